// Golden test vectors produced by the Keras layers API of TensorFlow.js
// (@tensorflow/tfjs, pure-JS CPU backend).
//
//   npm ci && node gen.mjs
//
// Writes cases.json/cases.bin (Conv2D, Conv2DTranspose, Dense with linear and
// relu; the cases below) and extra.json/extra.bin (the cases of extra.mjs)
// next to this file. Helpers live in lib.mjs. See README.md for the format.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { tf, initCPU, convCase, denseCase, runLayerCase, GoldenWriter } from './lib.mjs';
import { extraCases } from './extra.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

await initCPU();

// ---------------------------------------------------------------------------
// Case definitions (cases.json: linear and relu only; everything newer goes
// to extra.mjs, so that these files never change).

const cases = [];
const conv2d = (spec) => cases.push(convCase('conv2d', spec));
const conv2dT = (spec) => cases.push(convCase('conv2d_transpose', spec));
const dense = (spec) => cases.push(denseCase(spec));

// --- The classic: 3x3 RGB image, channels 1, 100, 10000 everywhere, one 2x2
// all-ones filter, zero bias, relu, valid -> 2x2x1 of 4*(1+100+10000)=40404.
conv2d({
  name: 'conv2d_rgb_40404',
  h: 3, w: 3, inC: 3, outC: 1, k: 2, padding: 'valid', activation: 'relu',
  fixed: {
    input: Float32Array.from({ length: 27 }, (_, i) => [1, 100, 10000][i % 3]),
    kernel: new Float32Array(12).fill(1),
    bias: new Float32Array(1),
  },
});

// --- Conv2D: tiny / degenerate sizes.
conv2d({ name: 'conv2d_1x1_k1_c1_1', h: 1, w: 1, inC: 1, outC: 1, k: 1 });
conv2d({ name: 'conv2d_1x1_k3_same_c7_16', h: 1, w: 1, inC: 7, outC: 16, k: 3, padding: 'same' });
conv2d({ name: 'conv2d_1x1_k3_s2_same_c4_3', h: 1, w: 1, inC: 4, outC: 3, k: 3, s: 2, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_2x3_k3_same_c3_4_b2', batch: 2, h: 2, w: 3, inC: 3, outC: 4, k: 3, padding: 'same' });
conv2d({ name: 'conv2d_2x3_k3_s2_same_c4_7', h: 2, w: 3, inC: 4, outC: 7, k: 3, s: 2, padding: 'same' });
conv2d({ name: 'conv2d_2x2_k5_same_c3_8', h: 2, w: 2, inC: 3, outC: 8, k: 5, padding: 'same' });
conv2d({ name: 'conv2d_3x3_k3_valid_c1_1', h: 3, w: 3, inC: 1, outC: 1, k: 3 });

// --- Conv2D 3x3, stride 1 / 2, same (even & odd sizes) / valid.
conv2d({ name: 'conv2d_5x7_k3_valid_c8_15_relu', h: 5, w: 7, inC: 8, outC: 15, k: 3, activation: 'relu' });
conv2d({ name: 'conv2d_5x7_k3_s2_same_c15_16', h: 5, w: 7, inC: 15, outC: 16, k: 3, s: 2, padding: 'same' });
conv2d({ name: 'conv2d_5x7_k3_s2_valid_c16_8_nobias', h: 5, w: 7, inC: 16, outC: 8, k: 3, s: 2, useBias: false });
conv2d({ name: 'conv2d_13x9_k3_same_c16_17_b2', batch: 2, h: 13, w: 9, inC: 16, outC: 17, k: 3, padding: 'same' });
conv2d({ name: 'conv2d_13x9_k3_s2_same_c17_31_relu_nobias', h: 13, w: 9, inC: 17, outC: 31, k: 3, s: 2, padding: 'same', activation: 'relu', useBias: false });
conv2d({ name: 'conv2d_13x9_k3_s2_valid_c31_32', h: 13, w: 9, inC: 31, outC: 32, k: 3, s: 2 });
conv2d({ name: 'conv2d_16x16_k3_same_c32_33', h: 16, w: 16, inC: 32, outC: 33, k: 3, padding: 'same' });
conv2d({ name: 'conv2d_16x16_k3_s2_same_c33_64_relu', h: 16, w: 16, inC: 33, outC: 64, k: 3, s: 2, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_15x15_k3_s2_same_c8_16', h: 15, w: 15, inC: 8, outC: 16, k: 3, s: 2, padding: 'same' });
conv2d({ name: 'conv2d_16x16_k3_s2_valid_c7_4_b3', batch: 3, h: 16, w: 16, inC: 7, outC: 4, k: 3, s: 2 });
conv2d({ name: 'conv2d_28x28_k3_same_c1_8_b3', batch: 3, h: 28, w: 28, inC: 1, outC: 8, k: 3, padding: 'same' });
conv2d({ name: 'conv2d_28x28_k3_valid_c8_16_relu', h: 28, w: 28, inC: 8, outC: 16, k: 3, activation: 'relu' });
conv2d({ name: 'conv2d_28x28_k3_s2_same_c16_32_relu_b2', batch: 2, h: 28, w: 28, inC: 16, outC: 32, k: 3, s: 2, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_30x30_k3_s2_same_c3_16_relu', h: 30, w: 30, inC: 3, outC: 16, k: 3, s: 2, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_30x30_k3_same_c4_4_nobias', h: 30, w: 30, inC: 4, outC: 4, k: 3, padding: 'same', useBias: false });
conv2d({ name: 'conv2d_29x30_k3_s2_valid_c3_7', h: 29, w: 30, inC: 3, outC: 7, k: 3, s: 2 });
conv2d({ name: 'conv2d_11x11_k3_s3_same_c4_8', h: 11, w: 11, inC: 4, outC: 8, k: 3, s: 3, padding: 'same' });
conv2d({ name: 'conv2d_10x10_k3_s3_valid_c4_8', h: 10, w: 10, inC: 4, outC: 8, k: 3, s: 3 });

// --- Conv2D 1x1 (pointwise), including many channels.
conv2d({ name: 'conv2d_30x30_k1_c16_32', h: 30, w: 30, inC: 16, outC: 32, k: 1 });
conv2d({ name: 'conv2d_7x7_k1_s2_valid_c64_65', h: 7, w: 7, inC: 64, outC: 65, k: 1, s: 2 });
conv2d({ name: 'conv2d_8x8_k1_same_c65_64_relu_b2', batch: 2, h: 8, w: 8, inC: 65, outC: 64, k: 1, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_6x5_k1_c33_1_nobias', h: 6, w: 5, inC: 33, outC: 1, k: 1, useBias: false });

// --- Conv2D non-square strides.
conv2d({ name: 'conv2d_9x10_k3_s1x2_same_c4_8', h: 9, w: 10, inC: 4, outC: 8, k: 3, s: [1, 2], padding: 'same' });
conv2d({ name: 'conv2d_9x10_k3_s1x2_valid_c7_3', h: 9, w: 10, inC: 7, outC: 3, k: 3, s: [1, 2] });
conv2d({ name: 'conv2d_10x9_k3_s2x1_same_c3_15_relu', h: 10, w: 9, inC: 3, outC: 15, k: 3, s: [2, 1], padding: 'same', activation: 'relu' });

// --- Conv2D dilation (tfjs requires stride 1 when dilation > 1).
conv2d({ name: 'conv2d_12x12_k3_d2_same_c7_15', h: 12, w: 12, inC: 7, outC: 15, k: 3, d: 2, padding: 'same' });
conv2d({ name: 'conv2d_12x11_k3_d2_valid_c3_4_b2', batch: 2, h: 12, w: 11, inC: 3, outC: 4, k: 3, d: 2 });
conv2d({ name: 'conv2d_10x10_k3_d2x1_same_c8_8', h: 10, w: 10, inC: 8, outC: 8, k: 3, d: [2, 1], padding: 'same' });
conv2d({ name: 'conv2d_9x8_k3_d1x2_valid_c4_7_relu', h: 9, w: 8, inC: 4, outC: 7, k: 3, d: [1, 2], activation: 'relu' });
conv2d({ name: 'conv2d_8x8_k2_d2_same_c3_4', h: 8, w: 8, inC: 3, outC: 4, k: 2, d: 2, padding: 'same' });
conv2d({ name: 'conv2d_16x16_k3_d2_same_c16_16_nobias', h: 16, w: 16, inC: 16, outC: 16, k: 3, d: 2, padding: 'same', useBias: false });

// --- Conv2D 5x5.
conv2d({ name: 'conv2d_28x28_k5_valid_c1_4', h: 28, w: 28, inC: 1, outC: 4, k: 5 });
conv2d({ name: 'conv2d_9x9_k5_same_c3_8_relu', h: 9, w: 9, inC: 3, outC: 8, k: 5, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_10x10_k5_s2_same_c8_16', h: 10, w: 10, inC: 8, outC: 16, k: 5, s: 2, padding: 'same' });
conv2d({ name: 'conv2d_11x11_k5_s2_same_c4_7_b2', batch: 2, h: 11, w: 11, inC: 4, outC: 7, k: 5, s: 2, padding: 'same' });

// --- Conv2D 1x7 / 7x1 (factorised).
conv2d({ name: 'conv2d_7x12_k1x7_same_c16_16', h: 7, w: 12, inC: 16, outC: 16, k: [1, 7], padding: 'same' });
conv2d({ name: 'conv2d_12x7_k7x1_same_c16_17_relu', h: 12, w: 7, inC: 16, outC: 17, k: [7, 1], padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_5x9_k1x7_valid_c4_3', h: 5, w: 9, inC: 4, outC: 3, k: [1, 7] });
conv2d({ name: 'conv2d_9x5_k7x1_s2_same_c3_8', h: 9, w: 5, inC: 3, outC: 8, k: [7, 1], s: 2, padding: 'same' });

// --- Conv2D even kernels (4x4, 2x2), same padding puts the odd pad at bottom/right.
conv2d({ name: 'conv2d_8x8_k4_same_c3_8', h: 8, w: 8, inC: 3, outC: 8, k: 4, padding: 'same' });
conv2d({ name: 'conv2d_9x9_k4_s2_same_c8_16', h: 9, w: 9, inC: 8, outC: 16, k: 4, s: 2, padding: 'same' });
conv2d({ name: 'conv2d_8x8_k4_s2_same_c4_4_relu', h: 8, w: 8, inC: 4, outC: 4, k: 4, s: 2, padding: 'same', activation: 'relu' });
conv2d({ name: 'conv2d_10x10_k4_s2_valid_c7_15', h: 10, w: 10, inC: 7, outC: 15, k: 4, s: 2 });
conv2d({ name: 'conv2d_5x5_k2_same_c3_4', h: 5, w: 5, inC: 3, outC: 4, k: 2, padding: 'same' });
conv2d({ name: 'conv2d_7x7_k2_s2_same_c4_8_b2', batch: 2, h: 7, w: 7, inC: 4, outC: 8, k: 2, s: 2, padding: 'same' });
conv2d({ name: 'conv2d_6x6_k2_s2_valid_c8_31', h: 6, w: 6, inC: 8, outC: 31, k: 2, s: 2 });
conv2d({ name: 'conv2d_5x6_k2_same_c1_3_nobias', h: 5, w: 6, inC: 1, outC: 3, k: 2, padding: 'same', useBias: false });

// --- Conv2DTranspose (tfjs supports neither output_padding nor dilation here).
conv2dT({ name: 'conv2dT_5x5_k3_valid_c8_4', h: 5, w: 5, inC: 8, outC: 4, k: 3 });
conv2dT({ name: 'conv2dT_5x5_k3_same_c4_8', h: 5, w: 5, inC: 4, outC: 8, k: 3, padding: 'same' });
conv2dT({ name: 'conv2dT_1x1_k3_valid_c3_7', h: 1, w: 1, inC: 3, outC: 7, k: 3 });
conv2dT({ name: 'conv2dT_1x1_k3_s2_valid_c4_3', h: 1, w: 1, inC: 4, outC: 3, k: 3, s: 2 });
conv2dT({ name: 'conv2dT_4x4_k3_s2_valid_c16_8_b2', batch: 2, h: 4, w: 4, inC: 16, outC: 8, k: 3, s: 2 });
conv2dT({ name: 'conv2dT_4x4_k3_s2_same_c8_16', h: 4, w: 4, inC: 8, outC: 16, k: 3, s: 2, padding: 'same' });
conv2dT({ name: 'conv2dT_5x5_k3_s2_same_c7_3_relu', h: 5, w: 5, inC: 7, outC: 3, k: 3, s: 2, padding: 'same', activation: 'relu' });
conv2dT({ name: 'conv2dT_4x6_k3_s2_same_c3_4_nobias', h: 4, w: 6, inC: 3, outC: 4, k: 3, s: 2, padding: 'same', useBias: false });
conv2dT({ name: 'conv2dT_7x7_k4_s2_same_c32_16_relu', h: 7, w: 7, inC: 32, outC: 16, k: 4, s: 2, padding: 'same', activation: 'relu' });
conv2dT({ name: 'conv2dT_3x3_k4_s2_valid_c15_17', h: 3, w: 3, inC: 15, outC: 17, k: 4, s: 2 });
conv2dT({ name: 'conv2dT_6x6_k4_same_c4_4', h: 6, w: 6, inC: 4, outC: 4, k: 4, padding: 'same' });
conv2dT({ name: 'conv2dT_5x3_k4_s2_same_c1_3_b3', batch: 3, h: 5, w: 3, inC: 1, outC: 3, k: 4, s: 2, padding: 'same' });
conv2dT({ name: 'conv2dT_8x8_k2_s2_valid_c64_32', h: 8, w: 8, inC: 64, outC: 32, k: 2, s: 2 });
conv2dT({ name: 'conv2dT_5x7_k2_s2_same_c33_16', h: 5, w: 7, inC: 33, outC: 16, k: 2, s: 2, padding: 'same' });
conv2dT({ name: 'conv2dT_6x5_k2_same_c8_7_relu', h: 6, w: 5, inC: 8, outC: 7, k: 2, padding: 'same', activation: 'relu' });
conv2dT({ name: 'conv2dT_6x6_k2_valid_c3_1', h: 6, w: 6, inC: 3, outC: 1, k: 2 });
conv2dT({ name: 'conv2dT_3x3_k1_s2_valid_c4_8', h: 3, w: 3, inC: 4, outC: 8, k: 1, s: 2 });
conv2dT({ name: 'conv2dT_7x7_k5_s2_same_c16_8', h: 7, w: 7, inC: 16, outC: 8, k: 5, s: 2, padding: 'same' });
conv2dT({ name: 'conv2dT_4x5_k3_s1x2_same_c8_4', h: 4, w: 5, inC: 8, outC: 4, k: 3, s: [1, 2], padding: 'same' });
conv2dT({ name: 'conv2dT_5x4_k3_s2x1_valid_c4_8_b2', batch: 2, h: 5, w: 4, inC: 4, outC: 8, k: 3, s: [2, 1] });
conv2dT({ name: 'conv2dT_4x4_k3_s3_valid_c3_3', h: 4, w: 4, inC: 3, outC: 3, k: 3, s: 3 });
conv2dT({ name: 'conv2dT_13x9_k3_s2_same_c17_31', h: 13, w: 9, inC: 17, outC: 31, k: 3, s: 2, padding: 'same' });
conv2dT({ name: 'conv2dT_14x14_k3_same_c16_1_nobias', h: 14, w: 14, inC: 16, outC: 1, k: 3, padding: 'same', useBias: false });
conv2dT({ name: 'conv2dT_2x3_k1x7_same_c4_4', h: 2, w: 3, inC: 4, outC: 4, k: [1, 7], padding: 'same' });
conv2dT({ name: 'conv2dT_15x15_k4_s2_same_c65_7_b2', batch: 2, h: 15, w: 15, inC: 65, outC: 7, k: 4, s: 2, padding: 'same' });

// --- Dense.
dense({ name: 'dense_1_1', in: 1, out: 1 });
dense({ name: 'dense_1_7_relu', in: 1, out: 7, activation: 'relu' });
dense({ name: 'dense_1_128_b4', batch: 4, in: 1, out: 128 });
dense({ name: 'dense_7_16', in: 7, out: 16 });
dense({ name: 'dense_7_128_relu_b3', batch: 3, in: 7, out: 128, activation: 'relu' });
dense({ name: 'dense_16_33_nobias', in: 16, out: 33, useBias: false });
dense({ name: 'dense_16_1_b8', batch: 8, in: 16, out: 1 });
dense({ name: 'dense_33_100_relu', in: 33, out: 100, activation: 'relu' });
dense({ name: 'dense_33_33_b5_nobias', batch: 5, in: 33, out: 33, useBias: false });
dense({ name: 'dense_100_128', in: 100, out: 128 });
dense({ name: 'dense_100_7_b2_relu', batch: 2, in: 100, out: 7, activation: 'relu' });
dense({ name: 'dense_128_100_b3', batch: 3, in: 128, out: 100 });
dense({ name: 'dense_128_1_relu_nobias', in: 128, out: 1, activation: 'relu', useBias: false });
dense({ name: 'dense_128_128_b16_relu', batch: 16, in: 128, out: 128, activation: 'relu' });
dense({ name: 'dense_33_16_b7', batch: 7, in: 33, out: 16 });
dense({ name: 'dense_100_100_nobias_b2', batch: 2, in: 100, out: 100, useBias: false });

// ---------------------------------------------------------------------------
// Run every case through tfjs and write.

const main = new GoldenWriter();
for (const c of cases) {
  const out = runLayerCase(c, main);
  if (c.name === 'conv2d_rgb_40404') {
    assert.deepEqual(Array.from(out), [40404, 40404, 40404, 40404]);
  }
}

const extra = new GoldenWriter();
extraCases(extra);

const pkgVersion = JSON.parse(
  readFileSync(join(HERE, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version;
console.log(`tfjs ${pkgVersion} (core ${tf.version_core}), backend ${tf.getBackend()}`);
console.log(main.write(HERE, 'cases'));
console.log(extra.write(HERE, 'extra'));
