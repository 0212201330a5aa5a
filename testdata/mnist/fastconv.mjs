// Replacements, for training only, of the three Conv2D kernels of the tfjs
// 4.22 CPU backend that training runs: Conv2D (the forward pass while
// gradients are recorded; inference uses FusedConv2D), Conv2DBackpropInput
// and Conv2DBackpropFilter. The stock Conv2DBackpropFilter reads every
// element through TensorBuffer.get(...) and takes about 4 s per digit for the
// model's second Conv2D (ten hours an epoch); the stock forward and
// input-gradient kernels are plain loops but cannot skip the zeros that ReLU
// leaves in x and in dy. These compute the same sums (NHWC, any strides and
// padding, dilation 1; anything else goes to the stock kernel) with direct
// indexing, in float64, skipping zeros. train.mjs restores the stock kernels
// before it evaluates, saves and reloads the model, so every prediction it
// writes comes from the stock CPU backend.

import assert from 'node:assert/strict';

// useFastConv registers the replacements on the CPU backend and returns a
// function that restores the stock kernels.
export function useFastConv(tf) {
  const impls = { Conv2D: forward, Conv2DBackpropInput: inputGrad, Conv2DBackpropFilter: filterGrad };
  const stocks = [];
  for (const [name, impl] of Object.entries(impls)) {
    const stock = tf.getKernel(name, 'cpu');
    assert(stock, `no stock ${name} on cpu`);
    stocks.push(stock);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({
      kernelName: name, backendName: 'cpu',
      kernelFunc: (args) => {
        const a = args.attrs;
        const dil = a.dilations ?? 1;
        const undilated = dil === 1 || (Array.isArray(dil) && dil.every((d) => d === 1));
        if (a.dataFormat !== 'NHWC' || !undilated) return stock.kernelFunc(args);
        return impl(tf, args);
      },
    });
  }
  return () => {
    for (const stock of stocks) {
      tf.unregisterKernel(stock.kernelName, 'cpu');
      tf.registerKernel(stock);
    }
  };
}

function info(tf, xShape, filterShape, attrs) {
  const { strides, pad, dimRoundingMode } = attrs;
  return tf.backend_util.computeConv2DInfo(
    xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
}

const vals = (backend, t) => backend.data.get(t.dataId).values;

// forward: y[b,oy,ox,k] = sum x[b,iy,ix,c] * w[ky,kx,c,k].
function forward(tf, { inputs: { x, filter }, backend, attrs }) {
  const ci = info(tf, x.shape, filter.shape, attrs);
  const { batchSize, inHeight: H, inWidth: W, inChannels: IC, outChannels: OC } = ci;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const xv = vals(backend, x);
  const wv = vals(backend, filter);
  const y = new Float32Array(batchSize * OH * OW * OC);
  const acc = new Float64Array(OC);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        acc.fill(0);
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH + ky - top;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * SW + kx - left;
            if (ix < 0 || ix >= W) continue;
            const xo = ((b * H + iy) * W + ix) * IC;
            const wo = (ky * KW + kx) * IC * OC;
            for (let c = 0; c < IC; c++) {
              const v = xv[xo + c];
              if (v === 0) continue;
              const o = wo + c * OC;
              for (let k = 0; k < OC; k++) acc[k] += v * wv[o + k];
            }
          }
        }
        y.set(acc, ((b * OH + oy) * OW + ox) * OC);
      }
    }
  }
  return backend.makeTensorInfo(ci.outShape, 'float32', y);
}

// inputGrad: dx[b,iy,ix,c] = sum dy[b,oy,ox,k] * w[ky,kx,c,k].
function inputGrad(tf, { inputs: { dy, filter }, backend, attrs }) {
  const ci = info(tf, attrs.inputShape, filter.shape, attrs);
  const { batchSize, inHeight: H, inWidth: W, inChannels: IC, outChannels: OC } = ci;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const gv = vals(backend, dy);
  const wv = vals(backend, filter);
  const dx = new Float64Array(batchSize * H * W * IC);
  const nzk = new Int32Array(OC);
  const nzv = new Float64Array(OC);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const g = ((b * OH + oy) * OW + ox) * OC;
        let n = 0;
        for (let k = 0; k < OC; k++) {
          if (gv[g + k] !== 0) { nzk[n] = k; nzv[n++] = gv[g + k]; }
        }
        if (n === 0) continue;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH + ky - top;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * SW + kx - left;
            if (ix < 0 || ix >= W) continue;
            const xo = ((b * H + iy) * W + ix) * IC;
            const wo = (ky * KW + kx) * IC * OC;
            for (let c = 0; c < IC; c++) {
              const o = wo + c * OC;
              let s = 0;
              for (let j = 0; j < n; j++) s += nzv[j] * wv[o + nzk[j]];
              dx[xo + c] += s;
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(ci.inShape, 'float32', Float32Array.from(dx));
}

// filterGrad: dw[ky,kx,c,k] = sum x[b,iy,ix,c] * dy[b,oy,ox,k].
function filterGrad(tf, { inputs: { x, dy }, backend, attrs }) {
  const ci = info(tf, x.shape, attrs.filterShape, attrs);
  const { batchSize, inHeight: H, inWidth: W, inChannels: IC, outChannels: OC } = ci;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const xv = vals(backend, x);
  const gv = vals(backend, dy);
  const acc = new Float64Array(KH * KW * IC * OC);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const g = ((b * OH + oy) * OW + ox) * OC;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH + ky - top;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * SW + kx - left;
            if (ix < 0 || ix >= W) continue;
            const xo = ((b * H + iy) * W + ix) * IC;
            const wo = (ky * KW + kx) * IC * OC;
            for (let c = 0; c < IC; c++) {
              const v = xv[xo + c];
              if (v === 0) continue;
              const o = wo + c * OC;
              for (let k = 0; k < OC; k++) acc[o + k] += v * gv[g + k];
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(ci.filterShape, 'float32', Float32Array.from(acc));
}
