// Shared by train.mjs and bench.mjs: the seeded PRNG, tfjs on the CPU
// backend, and the IO handlers that save and load a LayersModel as the files
// model.json + group1-shard*.bin of this directory.

import { readFileSync, writeFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

// mulberry32: tiny 32-bit seeded PRNG, uniform in [0, 1).
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// loadTF seeds Math.random (tfjs draws its initialisers, dropout masks and
// fit's shuffles from it when no seed is given) and then imports tfjs on the
// CPU backend.
export async function loadTF(seed) {
  if (seed != null) Math.random = mulberry32(seed);
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  assert.equal(tf.getBackend(), 'cpu');
  return tf;
}

// The weight shard size of tensorflowjs_converter (write_weights.py,
// shard_size_bytes=1024 * 1024 * 4).
export const SHARD_BYTES = 4 * 1024 * 1024;

// saveHandler writes what tfjs-node's file:// handler writes for
// model.save() (model.json with modelTopology, weightsManifest, format,
// generatedBy, convertedBy), except that the weights are split into shards of
// at most 4 MiB named group1-shard{i}of{n}.bin, as tensorflowjs_converter
// names and cuts them, instead of one weights.bin.
export function saveHandler(tf, dir) {
  return tf.io.withSaveHandler(async (artifacts) => {
    assert(!(artifacts.modelTopology instanceof ArrayBuffer));
    const data = new Uint8Array(tf.io.concatenateArrayBuffers(
      Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]));
    for (const f of readdirSync(dir)) {
      if (/^group\d+-shard\d+of\d+\.bin$/.test(f)) unlinkSync(join(dir, f));
    }
    const n = Math.ceil(data.length / SHARD_BYTES);
    const paths = [];
    for (let i = 0; i < n; i++) {
      const name = `group1-shard${i + 1}of${n}.bin`;
      writeFileSync(join(dir, name), data.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
      paths.push(name);
    }
    const modelJSON = {
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    };
    for (const k of ['trainingConfig', 'signature', 'userDefinedMetadata']) {
      if (artifacts[k] != null) modelJSON[k] = artifacts[k];
    }
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJSON));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

// loadHandler reads model.json and its shards back, as tfjs-node's file://
// loader does (the shards of each manifest group concatenated in order).
export function loadHandler(tf, dir) {
  return {
    load: async () => {
      const modelJSON = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of modelJSON.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const b = readFileSync(join(dir, p));
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        }
      }
      return {
        modelTopology: modelJSON.modelTopology,
        format: modelJSON.format,
        generatedBy: modelJSON.generatedBy,
        convertedBy: modelJSON.convertedBy,
        weightSpecs: specs,
        weightData: tf.io.concatenateArrayBuffers(buffers),
      };
    },
  };
}

// readF32 reads a raw little-endian float32 file.
export function readF32(path) {
  const b = readFileSync(path);
  const out = new Float32Array(b.length / 4);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = v.getFloat32(4 * i, true);
  return out;
}

// f32Bytes encodes a Float32Array as raw little-endian bytes.
export function f32Bytes(a) {
  const b = new Uint8Array(a.length * 4);
  const v = new DataView(b.buffer);
  for (let i = 0; i < a.length; i++) v.setFloat32(4 * i, a[i], true);
  return b;
}
