// The cases of extra.json / extra.bin (run by gen.mjs): Conv2D and Dense with
// the activations beyond linear/relu, LeakyReLU, Activation, Softmax,
// MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D layers.
// See README.md for what each case family covers.

import assert from 'node:assert/strict';
import {
  tf, convCase, denseCase, runLayerCase, runShapeCase, uniform, prod, convOut,
} from './lib.mjs';

// The activation strings of Keras that simdnn implements. 'gelu' in tfjs
// 4.22 is the exact erf form, Keras's default (approximate=False); 'swish' is
// Keras's 'silu' too (tfjs knows only the name 'swish').
const ACTS = ['relu6', 'sigmoid', 'tanh', 'swish', 'gelu', 'softmax'];

// Inputs of the grid cases: -24 to 24 in steps of 1/8 (385 values: 0, ±6,
// the saturation of every activation), and the extremes where exp overflows
// float32 (|x| > 88.7).
const GRID = Float32Array.from({ length: 385 }, (_, i) => -24 + i / 8);
const EXTREMES = Float32Array.from([
  -1000, -100, -89, -88.5, -88, -87, -50,
  50, 87, 88, 88.5, 89, 100, 1000,
]);

function convActs(w) {
  for (const act of ACTS) {
    const conv2d = (spec) => runLayerCase(convCase('conv2d', { ...spec, activation: act }), w);
    const dense = (spec) => runLayerCase(denseCase({ ...spec, activation: act }), w);
    conv2d({ name: `conv2d_7x5_k3_valid_c3_17_${act}_b2`, batch: 2, h: 7, w: 5, inC: 3, outC: 17, k: 3, xScale: 2 });
    conv2d({ name: `conv2d_9x8_k3_s2_same_c8_33_${act}`, h: 9, w: 8, inC: 8, outC: 33, k: 3, s: 2, padding: 'same' });
    conv2d({ name: `conv2d_6x7_k3_s1x2_same_c8_16_${act}_b3_sat`, batch: 3, h: 6, w: 7, inC: 8, outC: 16, k: 3, s: [1, 2], padding: 'same', xScale: 8 });
    conv2d({ name: `conv2d_5x5_k1_c17_5_${act}_nobias`, h: 5, w: 5, inC: 17, outC: 5, k: 1, useBias: false, xScale: 2 });
    dense({ name: `dense_33_17_${act}_b3`, batch: 3, in: 33, out: 17, xScale: 2 });
    dense({ name: `dense_100_10_${act}_b5_sat`, batch: 5, in: 100, out: 10, xScale: 8 });
    dense({ name: `dense_16_1_${act}_b2`, batch: 2, in: 16, out: 1 });
  }
}

// A weightless case: name, layer kind, its tfjs layer, input shape (batch
// first), input data (drawn when null), the extra manifest fields.
function shapeCase(w, { name, layer, tfLayer, inShape, input, scale = 1, shift = 0, fields = {}, outShape }) {
  const rng = w.rng(name);
  const data = input ?? uniform(rng, prod(inShape), scale, shift);
  assert.equal(data.length, prod(inShape), `${name}: input length`);
  const rec = { name, layer, batch: inShape[0], ...fields };
  return runShapeCase(w, rec, tfLayer, inShape, data, outShape);
}

const shapeName = (s) => s.join('x');

function leakyRelu(w) {
  const shapes = [[2, 3, 5, 7], [1, 7, 7, 17], [3, 1, 1, 1], [1, 4, 9, 33]];
  const alphas = [0.2, 0.3, 0.01, 0.1, null];
  let i = 0;
  for (const alpha of alphas) {
    for (const inShape of [shapes[i++ % shapes.length], shapes[i++ % shapes.length]]) {
      const args = { inputShape: inShape.slice(1) };
      if (alpha != null) args.alpha = alpha;
      const tfLayer = tf.layers.leakyReLU(args);
      const name = `leaky_relu_${shapeName(inShape)}_a${alpha ?? 'default'}`;
      shapeCase(w, {
        name, layer: 'leaky_relu', tfLayer, inShape, scale: 8,
        fields: { inShape, alpha: tfLayer.alpha }, outShape: inShape,
      });
    }
  }
}

function activationLayers(w) {
  for (const act of ['linear', 'relu', ...ACTS]) {
    const cases = [
      { inShape: [2, 3, 5, 7], scale: 4 },
      { inShape: [1, 1, 1, 1], scale: 4 },
      { inShape: [3, 5, 7, 9], scale: 32, sat: true },
      { inShape: [1, 1, 5, 77], input: GRID, tag: 'grid' },
      { inShape: [1, 1, 2, 7], input: EXTREMES, tag: 'extremes' },
    ];
    for (const c of cases) {
      const tfLayer = tf.layers.activation({ activation: act, inputShape: c.inShape.slice(1) });
      assert.equal(tfLayer.activation.getClassName(), act);
      const name = `activation_${act}_${shapeName(c.inShape)}` + (c.tag ? `_${c.tag}` : '') + (c.sat ? '_sat' : '');
      shapeCase(w, {
        name, layer: 'activation', tfLayer, inShape: c.inShape, input: c.input, scale: c.scale,
        fields: { inShape: c.inShape, activation: act }, outShape: c.inShape,
      });
    }
  }
}

function softmaxLayers(w) {
  const cases = [
    { inShape: [4, 10], scale: 4 },
    { inShape: [3, 1], scale: 4 },
    { inShape: [5, 17], scale: 1024, tag: 'large' },
    { inShape: [2, 1000], scale: 8 },
    { inShape: [2, 3, 5, 17], scale: 4 },
    { inShape: [1, 7, 7, 3], scale: 64, tag: 'large' },
    { inShape: [3, 2, 2, 10], scale: 2, shift: 1000, tag: 'shifted' },
    {
      inShape: [4, 5], tag: 'rows',
      input: Float32Array.from([
        10000, 10000, 10000, 10000, 10000,
        -10000, -10000, -10000, -10000, -10000,
        1000, 999, 998, -1000, 0,
        -1e30, 1e30, 0, 3.4e38, -3.4e38,
      ]),
    },
  ];
  for (const c of cases) {
    const tfLayer = tf.layers.softmax({ axis: -1, inputShape: c.inShape.slice(1) });
    const name = `softmax_${shapeName(c.inShape)}` + (c.tag ? `_${c.tag}` : '');
    shapeCase(w, {
      name, layer: 'softmax', tfLayer, inShape: c.inShape, input: c.input,
      scale: c.scale, shift: c.shift,
      fields: { inShape: c.inShape, axis: -1 }, outShape: c.inShape,
    });
  }
}

function pooling(w) {
  const inputs = [
    { b: 1, h: 7, w: 5, c: 3 },
    { b: 3, h: 5, w: 5, c: 17 },
    { b: 1, h: 6, w: 8, c: 1 },
    { b: 3, h: 9, w: 7, c: 3 },
    { b: 1, h: 8, w: 9, c: 17 },
  ];
  const pools = [[2, 2], [3, 3], [2, 3]];
  const strides = [null, [1, 1], [2, 2], [1, 2]];
  for (const kind of ['max_pooling2d', 'average_pooling2d']) {
    const make = kind === 'max_pooling2d' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
    const one = ({ inp, pool, s, padding, tag = '', shift = 0 }) => {
      const st = s ?? pool;
      const sName = s == null ? 'sNone' : `s${s[0]}x${s[1]}`;
      const name = `${kind}_${inp.h}x${inp.w}_p${pool[0]}x${pool[1]}_${sName}_${padding}_c${inp.c}_b${inp.b}${tag}`;
      const args = { poolSize: pool, padding, inputShape: [inp.h, inp.w, inp.c] };
      if (s != null) args.strides = s;
      const inShape = [inp.b, inp.h, inp.w, inp.c];
      const outShape = [inp.b,
        convOut(inp.h, pool[0], st[0], 1, padding), convOut(inp.w, pool[1], st[1], 1, padding), inp.c];
      shapeCase(w, {
        name, layer: kind, tfLayer: make(args), inShape, shift,
        fields: {
          inH: inp.h, inW: inp.w, inC: inp.c, poolH: pool[0], poolW: pool[1],
          strideH: st[0], strideW: st[1], padding,
        },
        outShape,
      });
    };
    // Every pool size x stride x padding, on inputs taken in turn.
    let i = 0;
    for (const pool of pools) {
      for (const s of strides) {
        for (const padding of ['valid', 'same']) {
          one({ inp: inputs[i++ % inputs.length], pool, s, padding });
        }
      }
    }
    // 1x1 inputs with same padding; a window larger than the stride on 5x5.
    for (const pool of pools) one({ inp: { b: 3, h: 1, w: 1, c: 3 }, pool, s: null, padding: 'same' });
    one({ inp: { b: 1, h: 1, w: 1, c: 17 }, pool: [3, 3], s: [1, 1], padding: 'same' });
    one({ inp: { b: 3, h: 5, w: 5, c: 1 }, pool: [3, 3], s: [1, 1], padding: 'valid' });
    one({ inp: { b: 1, h: 5, w: 5, c: 3 }, pool: [3, 3], s: [2, 2], padding: 'same' });
    // All inputs negative (in [-3, -1)): a padded zero must never win a max
    // nor enter an average.
    one({ inp: { b: 3, h: 7, w: 5, c: 17 }, pool: [3, 3], s: [2, 2], padding: 'same', tag: '_neg', shift: -2 });
    one({ inp: { b: 1, h: 6, w: 7, c: 3 }, pool: [2, 3], s: [1, 1], padding: 'same', tag: '_neg', shift: -2 });
    // The MNIST model's pooling layer.
    one({ inp: { b: 2, h: 24, w: 24, c: 64 }, pool: [2, 2], s: null, padding: 'valid' });
  }
}

function globalAvgPool(w) {
  for (const [b, h, wd, c] of [[2, 7, 5, 3], [3, 1, 1, 17], [1, 28, 28, 1], [2, 6, 6, 64], [4, 3, 9, 33]]) {
    const inShape = [b, h, wd, c];
    shapeCase(w, {
      name: `global_average_pooling2d_${h}x${wd}_c${c}_b${b}`,
      layer: 'global_average_pooling2d',
      tfLayer: tf.layers.globalAveragePooling2d({ inputShape: [h, wd, c] }),
      inShape,
      fields: { inH: h, inW: wd, inC: c },
      outShape: [b, c],
    });
  }
}

// extraCases runs every case of extra.json and records it in w.
export function extraCases(w) {
  convActs(w);
  leakyRelu(w);
  activationLayers(w);
  softmaxLayers(w);
  pooling(w);
  globalAvgPool(w);
}
