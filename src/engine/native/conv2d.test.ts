/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter on native against cpu, over
 * shapes, strides, paddings (valid, same, explicit) and dilations. Tolerance 1e-4 (scaled).
 * Forward and filter gradient run on oneDNN's blocked layouts (reorders in and out), so the
 * channel counts include ones that do not fill a block.
 */
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, randomValues } from '../testing.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';

const TOL = 1e-4;

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
  dilations?: [number, number];
}

const CASES: Case[] = [
  { x: [2, 8, 8, 1], filter: [3, 3, 1, 4], strides: [1, 1], pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], strides: [1, 1], pad: 'same' },
  { x: [1, 9, 7, 2], filter: [3, 2, 2, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 9, 2], filter: [5, 5, 2, 3], strides: [2, 1], pad: 'valid' },
  { x: [1, 10, 10, 2], filter: [3, 3, 2, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] },
  { x: [1, 6, 6, 2], filter: [3, 3, 2, 2], strides: [1, 1], pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
  { x: [4, 28, 28, 1], filter: [5, 5, 1, 6], strides: [1, 1], pad: 'valid' },
  { x: [3, 13, 13, 16], filter: [3, 3, 16, 32], strides: [1, 1], pad: 'same' },
  // oneDNN's blocked layouts (forward and filter gradient): LeNet's second layer, and channel
  // counts that are not multiples of the 8/16-channel blocks, with stride 2 and padding.
  { x: [3, 12, 12, 6], filter: [5, 5, 6, 16], strides: [1, 1], pad: 'valid' },
  { x: [2, 7, 7, 20], filter: [3, 3, 20, 24], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 8, 17], filter: [2, 3, 17, 9], strides: [1, 2], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
];

const tensor = (shape: number[], seed: number): tf.Tensor => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
const label = (c: Case): string => `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)} dilations ${c.dilations ?? [1, 1]}`;

describe('Conv2D and its gradients (native)', { skip: NATIVE_SKIP }, () => {
  test('forward matches cpu', async () => {
    for (const [i, c] of CASES.entries()) {
      const { cpu, native } = await cpuAndNative(() =>
        tf.conv2d(tensor(c.x, i) as tf.Tensor4D, tensor(c.filter, 100 + i) as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? [1, 1]),
      );
      assertClose(native[0], cpu[0], TOL, label(c));
    }
  });

  test('input and filter gradients (Conv2DBackpropInput, Conv2DBackpropFilter) match cpu', async () => {
    for (const [i, c] of CASES.entries()) {
      if (c.dilations !== undefined) continue; // tfjs's conv2d gradient requires dilations 1
      const { cpu, native } = await cpuAndNative(() => {
        const x = tensor(c.x, 200 + i);
        const w = tensor(c.filter, 300 + i);
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
          const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
          return tf.sum(tf.mul(y, tensor(y.shape, 400 + i)));
        };
        return tf.grads(f)([x, w]);
      });
      assertClose(native[0], cpu[0], TOL, `dx ${label(c)}`);
      assertClose(native[1], cpu[1], TOL, `dw ${label(c)}`);
    }
  });

  test('one shape at two batch sizes and with and without fused relu (separately cached primitives) matches cpu', async () => {
    for (const batch of [5, 2, 5]) {
      const { cpu, native } = await cpuAndNative(() => {
        const x = tensor([batch, 12, 12, 6], 900 + batch);
        const w = tensor([5, 5, 6, 16], 901);
        const bias = tensor([16], 902);
        return [
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', bias, activation: 'relu' }),
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', activation: 'relu' }),
        ];
      });
      cpu.forEach((v, k) => assertClose(native[k], v, TOL, `batch ${batch} output ${k}`));
    }
  });

  for (const activation of ['linear', 'relu', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
    test(`FusedConv2D with ${activation}, with and without bias: forward and gradients match cpu`, async () => {
      for (const [i, c] of CASES.entries()) {
        if (c.dilations !== undefined) continue;
        for (const withBias of [true, false]) {
          const outChannels = c.filter[3];
          const { cpu, native } = await cpuAndNative(() => {
            const x = tensor(c.x, 500 + i);
            const w = tensor(c.filter, 600 + i);
            const bias = withBias ? tensor([outChannels], 700 + i) : undefined;
            const preluActivationWeights = activation === 'prelu' ? tensor([outChannels], 800 + i) : undefined;
            const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
              tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: c.strides, pad: c.pad, bias, activation, preluActivationWeights, leakyreluAlpha: 0.15 });
            const y = conv(x, w);
            return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), 0.3)))([x, w])];
          });
          cpu.forEach((v, k) => assertClose(native[k], v, TOL, `${activation} bias ${withBias} ${label(c)} output ${k}`));
        }
      }
    });
  }
});
