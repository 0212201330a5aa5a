// The TF.js speed baseline for the MNIST model: loads model.json and its
// shards from this directory (as train.mjs saved them), and times
// model.predict on the held-out digits on the pure-JS CPU backend, at batch 1
// and batch 64, and each layer's share of a batch.
//
//   node bench.mjs [runs]      # runs: timed runs per measurement (default 7)
//
// Every measurement: warm-up, then the median of the timed runs. One run at
// batch 1 is 64 single-digit predictions; one run at batch 64 is one predict
// of 64 digits. A prediction ends when its output is read (dataSync).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { loadTF, loadHandler, readF32 } from './common.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.argv[2] ?? 7);
const N = 64;

const tf = await loadTF();
const model = await tf.loadLayersModel(loadHandler(tf, HERE));
const meta = JSON.parse(readFileSync(join(HERE, 'test.json'), 'utf8'));
const images = readF32(join(HERE, meta.images));

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// time runs f (warm times, then RUNS times) and returns the median seconds.
function time(f, warm) {
  for (let i = 0; i < warm; i++) f();
  const t = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    f();
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(t);
}

const singles = Array.from({ length: N }, (_, i) =>
  tf.tensor4d(images.subarray(i * 784, (i + 1) * 784), [1, 28, 28, 1]));
const batch = tf.tensor4d(images.subarray(0, N * 784), [N, 28, 28, 1]);
const predict = (x) => {
  const y = model.predict(x);
  y.dataSync();
  y.dispose();
};

console.log(`node ${process.version}, tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, ` +
  `${cpus()[0].model}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
const t1 = time(() => singles.forEach(predict), 1);
console.log(`batch 1:  ${(N / t1).toFixed(1)} images/s (${(1000 * t1 / N).toFixed(2)} ms an image; median of ${RUNS} runs of ${N})`);
const t64 = time(() => predict(batch), 2);
console.log(`batch 64: ${(N / t64).toFixed(1)} images/s (${(1000 * t64).toFixed(1)} ms a batch; median of ${RUNS} runs)`);

// Per layer: each layer applied on its own to the previous layer's output
// (inference mode: the dropouts are identities, the convolutions run fused
// with their bias and relu, as in predict).
for (const [label, x0] of [['batch 64', batch], ['batch 1', singles[0]]]) {
  const rows = [];
  let x = x0;
  for (const layer of model.layers) {
    const input = x;
    // (The tidy returns nothing: handed a typed array, it would walk every
    // element looking for tensors, 125 ms on a batch of 64.)
    const t = time(() => tf.tidy(() => { layer.apply(input, { training: false }).dataSync(); }), 2);
    x = layer.apply(input, { training: false });
    rows.push([layer.name, layer.getClassName(), t]);
  }
  const total = rows.reduce((s, r) => s + r[2], 0);
  console.log(`per layer, ${label} (sum ${(1000 * total).toFixed(2)} ms):`);
  for (const [name, cls, t] of rows) {
    console.log(`  ${(name + ' (' + cls + ')').padEnd(28)} ${(1000 * t).toFixed(3).padStart(9)} ms ${(100 * t / total).toFixed(1).padStart(5)}%`);
  }
}
