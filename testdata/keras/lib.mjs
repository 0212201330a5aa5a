// Helpers shared by the golden-vector generators (gen.mjs writes cases.* and
// extra.*): the seeded PRNG, Keras shape rules, the manifest/binary writer and
// the runner for one Conv2D / Conv2DTranspose / Dense case.

import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export { tf };

// initCPU selects the pure-JS CPU backend (never tfjs-node).
export async function initCPU() {
  await tf.setBackend('cpu');
  await tf.ready();
  assert.equal(tf.getBackend(), 'cpu');
}

// ---------------------------------------------------------------------------
// Deterministic data.

// mulberry32: tiny 32-bit seeded PRNG.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// FNV-1a of the case name: every case has its own seed, so adding or
// reordering cases does not change the data of the others.
export function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// Uniform in [-1, 1): (k / 2^23) - 1 with k a 24-bit integer, which is
// exactly representable in float32, so no rounding happens anywhere.
// scale (a power of two) and shift keep that exactness for the ranges used.
export function uniform(rng, n, scale = 1, shift = 0) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((rng() >>> 8) / 8388608 - 1) * scale + shift;
  return a;
}

export const prod = (shape) => shape.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------
// Keras shape semantics, used only to assert what tfjs produced.

export function convOut(n, k, s, d, padding) {
  const ek = (k - 1) * d + 1;
  return padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - ek + 1) / s);
}

export function deconvOut(n, k, s, padding) {
  // Keras deconv_output_length with output_padding=None, dilation 1.
  return padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
}

// ---------------------------------------------------------------------------
// Output: a manifest (one case per line) and raw little-endian float32.

export class GoldenWriter {
  constructor() {
    this.chunks = [];
    this.offset = 0;
    this.manifest = [];
    this.names = new Set();
  }

  // put appends a tensor to the binary file and returns its {offset, length},
  // counted in float32 elements.
  put(f32) {
    const ref = { offset: this.offset, length: f32.length };
    this.chunks.push(f32);
    this.offset += f32.length;
    return ref;
  }

  // rng checks that name is new and returns its PRNG.
  rng(name) {
    assert(!this.names.has(name), `duplicate case name ${name}`);
    this.names.add(name);
    return mulberry32(fnv1a(name));
  }

  add(rec) {
    this.manifest.push(rec);
  }

  // write creates dir/base.json and dir/base.bin and returns a summary line.
  write(dir, base) {
    const bin = new Uint8Array(this.offset * 4);
    const view = new DataView(bin.buffer);
    let p = 0;
    for (const ch of this.chunks) {
      for (let i = 0; i < ch.length; i++, p += 4) view.setFloat32(p, ch[i], true);
    }
    writeFileSync(join(dir, `${base}.bin`), bin);
    // One case per line: compact yet diff-friendly.
    const json = '[\n' + this.manifest.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n';
    writeFileSync(join(dir, `${base}.json`), json);
    const byLayer = {};
    for (const r of this.manifest) byLayer[r.layer] = (byLayer[r.layer] ?? 0) + 1;
    return `${base}: ${this.manifest.length} cases ${JSON.stringify(byLayer)}; ` +
      `${base}.bin: ${this.offset} float32 = ${bin.length} bytes`;
  }
}

// assertFinite refuses NaN and infinities in an output.
export function assertFinite(name, out) {
  for (const v of out) assert(Number.isFinite(v), `${name}: non-finite output`);
}

// ---------------------------------------------------------------------------
// Conv2D, Conv2DTranspose and Dense.

// Case description (conv): {name, layer, batch, inH, inW, inC, outC, kh, kw,
// strideH, strideW, dilationH, dilationW, padding, activation, useBias,
// outputPadding}; (dense): {name, layer, batch, in, out, activation, useBias}.
// Private fields, not written: _fixed {input, kernel, bias} replaces the drawn
// data; _xScale and _wScale (powers of two) scale the drawn input and kernel.

export function convCase(layer, spec) {
  const k = Array.isArray(spec.k) ? spec.k : [spec.k, spec.k];
  const s = spec.s == null ? [1, 1] : Array.isArray(spec.s) ? spec.s : [spec.s, spec.s];
  const d = spec.d == null ? [1, 1] : Array.isArray(spec.d) ? spec.d : [spec.d, spec.d];
  return {
    name: spec.name,
    layer,
    batch: spec.batch ?? 1,
    inH: spec.h,
    inW: spec.w,
    inC: spec.inC,
    outC: spec.outC,
    kh: k[0],
    kw: k[1],
    strideH: s[0],
    strideW: s[1],
    dilationH: d[0],
    dilationW: d[1],
    padding: spec.padding ?? 'valid',
    activation: spec.activation ?? 'linear',
    useBias: spec.useBias ?? true,
    outputPadding: null,
    _fixed: spec.fixed,
    _xScale: spec.xScale,
    _wScale: spec.wScale,
  };
}

export function denseCase(spec) {
  return {
    name: spec.name,
    layer: 'dense',
    batch: spec.batch ?? 1,
    in: spec.in,
    out: spec.out,
    activation: spec.activation ?? 'linear',
    useBias: spec.useBias ?? true,
    _xScale: spec.xScale,
    _wScale: spec.wScale,
  };
}

// runLayerCase builds c's layer as the only layer of a tf.sequential model,
// sets its weights, predicts, checks shapes and parameter count against
// Keras's rules, and records the case in w. It returns the output values.
export function runLayerCase(c, w) {
  const rng = w.rng(c.name);

  let layer, inShape, kernelShape, biasShape, expectOut, expectParams;
  if (c.layer === 'dense') {
    inShape = [c.batch, c.in];
    kernelShape = [c.in, c.out];
    biasShape = [c.out];
    layer = tf.layers.dense({
      units: c.out, activation: c.activation, useBias: c.useBias, inputShape: [c.in],
    });
    expectOut = [c.batch, c.out];
    expectParams = c.in * c.out + (c.useBias ? c.out : 0);
  } else {
    inShape = [c.batch, c.inH, c.inW, c.inC];
    biasShape = [c.outC];
    const common = {
      filters: c.outC,
      kernelSize: [c.kh, c.kw],
      strides: [c.strideH, c.strideW],
      padding: c.padding,
      activation: c.activation,
      useBias: c.useBias,
      inputShape: [c.inH, c.inW, c.inC],
    };
    if (c.layer === 'conv2d') {
      kernelShape = [c.kh, c.kw, c.inC, c.outC];
      layer = tf.layers.conv2d({ ...common, dilationRate: [c.dilationH, c.dilationW] });
      expectOut = [c.batch,
        convOut(c.inH, c.kh, c.strideH, c.dilationH, c.padding),
        convOut(c.inW, c.kw, c.strideW, c.dilationW, c.padding), c.outC];
    } else {
      assert(c.dilationH === 1 && c.dilationW === 1);
      kernelShape = [c.kh, c.kw, c.outC, c.inC];
      layer = tf.layers.conv2dTranspose(common);
      expectOut = [c.batch,
        deconvOut(c.inH, c.kh, c.strideH, c.padding),
        deconvOut(c.inW, c.kw, c.strideW, c.padding), c.outC];
    }
    expectParams = c.kh * c.kw * c.inC * c.outC + (c.useBias ? c.outC : 0);
  }
  assert.equal(layer.activation.getClassName(), c.activation, `${c.name}: activation`);

  const model = tf.sequential({ layers: [layer] });

  // Draw in a fixed order: input, kernel, bias.
  const fixed = c._fixed;
  const inputData = fixed ? fixed.input : uniform(rng, prod(inShape), c._xScale ?? 1);
  const kernelData = fixed ? fixed.kernel : uniform(rng, prod(kernelShape), c._wScale ?? 1);
  const biasData = fixed ? fixed.bias : uniform(rng, prod(biasShape));

  const weights = [tf.tensor(kernelData, kernelShape, 'float32')];
  if (c.useBias) weights.push(tf.tensor(biasData, biasShape, 'float32'));
  layer.setWeights(weights);

  const x = tf.tensor(inputData, inShape, 'float32');
  const y = model.predict(x);

  const got = layer.getWeights();
  assert.equal(got.length, c.useBias ? 2 : 1, `${c.name}: weight count`);
  assert.deepEqual(got[0].shape, kernelShape, `${c.name}: kernel shape`);
  if (c.useBias) assert.deepEqual(got[1].shape, biasShape, `${c.name}: bias shape`);
  assert.deepEqual(y.shape, expectOut, `${c.name}: output shape`);
  // The symbolic output shape (what model.summary() prints) agrees.
  assert.deepEqual(model.outputs[0].shape.slice(1), expectOut.slice(1), `${c.name}: symbolic output shape`);
  const paramCount = model.countParams();
  assert.equal(paramCount, expectParams, `${c.name}: param count`);

  const rec = { ...c };
  delete rec._fixed;
  delete rec._xScale;
  delete rec._wScale;
  if (c.layer !== 'dense') rec.outputPadding = null;
  rec.outShape = y.shape;
  rec.paramCount = paramCount;
  rec.input = w.put(Float32Array.from(x.dataSync()));
  rec.kernel = w.put(Float32Array.from(got[0].dataSync()));
  if (c.useBias) rec.bias = w.put(Float32Array.from(got[1].dataSync()));
  const out = Float32Array.from(y.dataSync());
  rec.output = w.put(out);
  assertFinite(c.name, out);

  w.add(rec);
  tf.dispose([x, y, ...weights]);
  model.layers.forEach((l) => l.dispose());
  return out;
}

// runShapeCase runs a weightless layer (pooling, activations, softmax) as the
// only layer of a tf.sequential model on input (shape inShape, batch first),
// checks the output shape against expectOut and records rec (the case's
// description) with the input, the output and its shape. It returns the
// output values.
export function runShapeCase(w, rec, layer, inShape, input, expectOut) {
  const model = tf.sequential({ layers: [layer] });
  const x = tf.tensor(input, inShape, 'float32');
  const y = model.predict(x);
  assert.deepEqual(y.shape, expectOut, `${rec.name}: output shape`);
  assert.deepEqual(model.outputs[0].shape.slice(1), expectOut.slice(1), `${rec.name}: symbolic output shape`);
  assert.equal(model.countParams(), 0, `${rec.name}: param count`);
  const out = Float32Array.from(y.dataSync());
  assertFinite(rec.name, out);
  w.add({
    ...rec,
    outShape: y.shape,
    paramCount: 0,
    input: w.put(Float32Array.from(x.dataSync())),
    output: w.put(out),
  });
  tf.dispose([x, y]);
  model.layers.forEach((l) => l.dispose());
  return out;
}
