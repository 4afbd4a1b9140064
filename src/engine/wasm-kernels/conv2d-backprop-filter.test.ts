import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { registerWasmTrainingKernels } from './register.js';
import { assertClose, maxAbs, randomValues } from '../testing.js';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

type Shape4 = [number, number, number, number];
type Pad = tf.Conv2DBackpropFilterAttrs['pad'];

interface Case {
  name: string;
  xShape: Shape4;
  filterShape: Shape4;
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function dyShapeOf(c: Case): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(
    c.xShape,
    c.filterShape,
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(c.dataFormat ?? 'NHWC'),
  );
  return info.outShape;
}

function attrsOf(c: Case): tf.NamedAttrMap {
  const attrs: tf.Conv2DBackpropFilterAttrs = {
    strides: c.strides,
    pad: c.pad,
    dataFormat: c.dataFormat ?? 'NHWC',
    dimRoundingMode: c.dimRoundingMode,
    filterShape: c.filterShape,
  };
  return attrs as unknown as tf.NamedAttrMap;
}

/** Runs the Conv2DBackpropFilter kernel on the given backend and returns dW's values. */
async function backpropFilterOn(backendName: 'cpu' | 'wasm', c: Case, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  assert.ok(await tf.setBackend(backendName), `backend ${backendName} available`);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.xShape);
    const dyt = tf.tensor4d(dy, dyShapeOf(c));
    const out = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xt, dy: dyt }, attrsOf(c)) as tf.Tensor;
    assert.deepEqual(out.shape, c.filterShape);
    return Float32Array.from(out.dataSync());
  });
}

/** Plain float64 reference (NHWC): rows outer, output channels innermost. */
function referenceBackpropFilter(c: Case, x: Float32Array, dy: Float32Array): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, 1, c.pad, c.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const acc = new Float64Array(size(c.filterShape));
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyOff = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - info.padInfo.top + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - info.padInfo.left + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const xOff = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            let wOff = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++, wOff += outChannels) {
              const xv = x[xOff + ci];
              for (let co = 0; co < outChannels; co++) acc[wOff + co] += xv * dy[dyOff + co];
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

const CASES: Case[] = [
  { name: 'b1 c1 3x3 s1 same 5x5', xShape: [1, 5, 5, 1], filterShape: [3, 3, 1, 2], strides: 1, pad: 'same' },
  { name: 'b4 c3 3x3 s2 same 7x7', xShape: [4, 7, 7, 3], filterShape: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'b4 c3 5x5 s1 valid 9x7', xShape: [4, 9, 7, 3], filterShape: [5, 5, 3, 3], strides: 1, pad: 'valid' },
  { name: 'b1 c3 5x5 s2 valid 11x9', xShape: [1, 11, 9, 3], filterShape: [5, 5, 3, 2], strides: 2, pad: 'valid' },
  { name: 'b4 c1 1x1 s1 valid 7x5', xShape: [4, 7, 5, 1], filterShape: [1, 1, 1, 5], strides: 1, pad: 'valid' },
  { name: 'b1 c3 1x1 s2 same 9x9', xShape: [1, 9, 9, 3], filterShape: [1, 1, 3, 4], strides: 2, pad: 'same' },
  { name: 'b4 c3 3x3 s2 valid 13x11', xShape: [4, 13, 11, 3], filterShape: [3, 3, 3, 8], strides: 2, pad: 'valid' },
  { name: 'b1 c1 5x5 s2 same 7x9', xShape: [1, 7, 9, 1], filterShape: [5, 5, 1, 4], strides: 2, pad: 'same' },
  { name: 'b4 c1 5x5 s1 same 5x3 (filter wider than input)', xShape: [4, 5, 3, 1], filterShape: [5, 5, 1, 2], strides: 1, pad: 'same' },
  { name: 'b4 c3 3x2 strides [2,1] same 9x7', xShape: [4, 9, 7, 3], filterShape: [3, 2, 3, 4], strides: [2, 1], pad: 'same' },
  {
    name: 'b4 c3 3x3 s2 explicit padding',
    xShape: [4, 9, 7, 3],
    filterShape: [3, 3, 3, 4],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    name: 'b4 c3 3x3 s2 numeric pad 1, floor rounding',
    xShape: [4, 8, 8, 3],
    filterShape: [3, 3, 3, 2],
    strides: 2,
    pad: 1,
    dimRoundingMode: 'floor',
  },
  { name: 'NCHW b4 c3 3x3 s2 same 9x7', xShape: [4, 3, 9, 7], filterShape: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW' },
  { name: 'NCHW b1 c1 5x5 s1 valid 7x7', xShape: [1, 1, 7, 7], filterShape: [5, 5, 1, 3], strides: 1, pad: 'valid', dataFormat: 'NCHW' },
  {
    name: 'NCHW b4 c3 3x3 s1 explicit padding',
    xShape: [4, 3, 6, 5],
    filterShape: [3, 3, 3, 2],
    strides: 1,
    pad: [
      [0, 0],
      [0, 0],
      [2, 0],
      [1, 1],
    ],
    dataFormat: 'NCHW',
  },
  // 64 * 24*24 * 144 floats of im2col > the kernel's 4M-float budget: runs in two batch chunks.
  { name: 'b64 c16 3x3 s1 same 24x24 (chunked)', xShape: [64, 24, 24, 16], filterShape: [3, 3, 16, 2], strides: 1, pad: 'same' },
];

describe('wasm Conv2DBackpropFilter kernel', () => {
  test('registerWasmTrainingKernels registers the kernel once (idempotent)', () => {
    assert.equal(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), undefined, 'tfjs-backend-wasm has no Conv2DBackpropFilter');
    assert.deepEqual(registerWasmTrainingKernels(), [tf.Conv2DBackpropFilter, tf.BatchMatMul]);
    assert.deepEqual(registerWasmTrainingKernels(), []);
    assert.equal(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), conv2DBackpropFilterWasmConfig);
    assert.equal(conv2DBackpropFilterWasmConfig.backendName, 'wasm');
  });

  CASES.forEach((c, i) => {
    test(`matches cpu: ${c.name}`, async () => {
      registerWasmTrainingKernels();
      const x = randomValues(size(c.xShape), 1000 + i);
      const dy = randomValues(size(dyShapeOf(c)), 2000 + i);
      const expected = await backpropFilterOn('cpu', c, x, dy);
      const actual = await backpropFilterOn('wasm', c, x, dy);
      assertClose(actual, expected, 1e-4, c.name);
    });
  });

  test('tf.grads of tf.conv2d matches cpu (filter and input gradients)', async () => {
    registerWasmTrainingKernels();
    const cases: Case[] = [
      { name: 'same s1', xShape: [4, 9, 7, 3], filterShape: [3, 3, 3, 5], strides: 1, pad: 'same' },
      { name: 'valid s2', xShape: [1, 11, 11, 1], filterShape: [5, 5, 1, 3], strides: 2, pad: 'valid' },
    ];
    for (const [i, c] of cases.entries()) {
      const dyShape = dyShapeOf(c);
      const xv = randomValues(size(c.xShape), 3000 + i);
      const wv = randomValues(size(c.filterShape), 4000 + i);
      const rv = randomValues(size(dyShape), 5000 + i);
      const run = async (backendName: 'cpu' | 'wasm'): Promise<[Float32Array, Float32Array]> => {
        await tf.setBackend(backendName);
        return tf.tidy((): [Float32Array, Float32Array] => {
          const r = tf.tensor4d(rv, dyShape);
          const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor =>
            tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad as 'same' | 'valid'), r));
          const [dx, dw] = tf.grads(f)([tf.tensor4d(xv, c.xShape), tf.tensor4d(wv, c.filterShape)]);
          return [Float32Array.from(dx.dataSync()), Float32Array.from(dw.dataSync())];
        });
      };
      const [dxCpu, dwCpu] = await run('cpu');
      const [dxWasm, dwWasm] = await run('wasm');
      assertClose(dwWasm, dwCpu, 1e-4, `${c.name}: dW`);
      assertClose(dxWasm, dxCpu, 1e-4, `${c.name}: dX`);
    }
  });

  test('a small tfjs-layers CNN has the same gradients on wasm as on cpu', async () => {
    registerWasmTrainingKernels();
    const inputShape: [number, number, number] = [12, 12, 3];
    const numClasses = 5;
    const batch = 6;
    const buildModel = (): tfl.Sequential => {
      const model = tfl.sequential();
      model.add(tfl.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
      model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' }));
      model.add(tfl.layers.averagePooling2d({ poolSize: 2 }));
      model.add(tfl.layers.batchNormalization());
      model.add(tfl.layers.flatten());
      model.add(tfl.layers.dropout({ rate: 0 }));
      model.add(tfl.layers.dense({ units: numClasses, activation: 'softmax' }));
      return model;
    };
    const xv = randomValues(batch * size(inputShape), 6000);
    const labels = Array.from({ length: batch }, (_, i) => (i * 3) % numClasses);

    const gradientsOf = (model: tfl.Sequential): { loss: number; grads: Float32Array[] } => {
      const out: { loss: number; grads: Float32Array[] } = { loss: NaN, grads: [] };
      tf.tidy(() => {
        const xs = tf.tensor4d(xv, [batch, ...inputShape]);
        const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => {
          const p = model.apply(xs, { training: true }) as tf.Tensor;
          return tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
        }, vars);
        out.loss = value.dataSync()[0];
        out.grads = vars.map((v) => Float32Array.from(grads[v.name].dataSync()));
      });
      return out;
    };

    await tf.setBackend('cpu');
    const cpuModel = buildModel();
    const weights = cpuModel.getWeights().map((w) => ({ shape: w.shape, values: Float32Array.from(w.dataSync()) }));
    const cpuResult = gradientsOf(cpuModel);
    const names = cpuModel.trainableWeights.map((w) => w.originalName);

    await tf.setBackend('wasm');
    const wasmModel = buildModel();
    const wasmWeights = weights.map((w) => tf.tensor(w.values, w.shape));
    wasmModel.setWeights(wasmWeights);
    tf.dispose(wasmWeights);
    const wasmResult = gradientsOf(wasmModel);

    assert.ok(Number.isFinite(cpuResult.loss));
    assert.ok(Math.abs(cpuResult.loss - wasmResult.loss) <= 1e-4 * Math.max(1, Math.abs(cpuResult.loss)), 'loss');
    assert.equal(wasmResult.grads.length, cpuResult.grads.length);
    assert.ok(names.length >= 8, `expected conv, bn and dense weights, got ${names.join(', ')}`);
    cpuResult.grads.forEach((g, i) => {
      assert.ok(maxAbs(g) > 0, `${names[i]}: gradient is not all zero`);
      assertClose(wasmResult.grads[i], g, 1e-3, names[i]);
    });
    cpuModel.dispose();
    wasmModel.dispose();
  });

  test('no tensors or wasm buffers leak over repeated calls inside tf.tidy', async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const backend = tf.engine().backend;
    for (const c of [CASES[1], CASES[12], CASES[CASES.length - 1]]) {
      const x = tf.tensor4d(randomValues(size(c.xShape), 7000), c.xShape);
      const dy = tf.tensor4d(randomValues(size(dyShapeOf(c)), 7001), dyShapeOf(c));
      const step = (): number =>
        tf.tidy(() => {
          const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrsOf(c)) as tf.Tensor;
          return tf.sum(dw).dataSync()[0];
        });
      const first = step();
      const tensorsBefore = tf.memory().numTensors;
      const buffersBefore = backend.numDataIds();
      for (let i = 0; i < 5; i++) assert.equal(step(), first, 'deterministic');
      assert.equal(tf.memory().numTensors, tensorsBefore, `${c.name}: numTensors`);
      assert.equal(backend.numDataIds(), buffersBefore, `${c.name}: wasm data buffers`);
      tf.dispose([x, dy]);
    }
  });

  test('rejects an unsupported dataFormat with an Error naming the attr', async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const c = CASES[0];
    const x = tf.zeros(c.xShape);
    const dy = tf.zeros(dyShapeOf(c));
    assert.throws(
      () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrsOf(c), dataFormat: 'NWHC' }),
      /dataFormat/,
    );
    tf.dispose([x, dy]);
  });

  test('timing on x [64,14,14,16], filter 3x3x16x32 (reported as a diagnostic)', async (t) => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const c: Case = { name: 'bench', xShape: [64, 14, 14, 16], filterShape: [3, 3, 16, 32], strides: 1, pad: 'same' };
    const xv = randomValues(size(c.xShape), 8000);
    const dyv = randomValues(size(dyShapeOf(c)), 8001);
    const x = tf.tensor4d(xv, c.xShape);
    const dy = tf.tensor4d(dyv, dyShapeOf(c));
    const call = (): Float32Array =>
      tf.tidy(() => {
        const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrsOf(c)) as tf.Tensor;
        return dw.dataSync() as Float32Array;
      });
    const result = call();
    call();
    const runs = 10;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) call();
    const wasmMs = (performance.now() - t0) / runs;
    const t1 = performance.now();
    const expected = referenceBackpropFilter(c, xv, dyv);
    const jsMs = performance.now() - t1;
    tf.dispose([x, dy]);
    assertClose(result, expected, 1e-4, 'bench vs float64 JS reference');
    t.diagnostic(`wasm kernel (im2col + XNNPACK BatchMatMul): ${wasmMs.toFixed(1)} ms/call; plain JS loop (float64): ${jsMs.toFixed(1)} ms`);
  });
});
