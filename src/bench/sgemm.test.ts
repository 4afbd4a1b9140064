import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureSgemm, type MatMul } from './sgemm.js';
import { denseStepProducts } from './sgemm-limit.js';

test('measureSgemm calls matMul with each product\'s shape, transposes and buffers of the right sizes, in step order', () => {
  const products = denseStepProducts([6, 4, 3], 2);
  const calls: string[] = [];
  const matMul: MatMul = (a, b, c, batch, m, n, k, ta, tb, sa, sb, bias, act) => {
    assert.equal(a.length, m * k);
    assert.equal(b.length, k * n);
    assert.equal(c.length, m * n);
    assert.deepEqual([batch, sa, sb, bias, act], [1, 0, 0, null, 0]);
    calls.push(`${m}x${n}x${k}${ta ? ' tA' : ''}${tb ? ' tB' : ''}`);
  };

  const r = measureSgemm({ matMul, products, seconds: 0, minPasses: 2, warmupPasses: 1 });

  assert.equal(r.passes, 2);
  const pass = ['2x4x6', '2x3x4', '4x3x2 tA', '2x4x3 tB', '6x4x2 tA', '2x6x4 tB'];
  assert.deepEqual(calls, [...pass, ...pass, ...pass]); // 1 warm-up pass, then 2 timed
});

test('measureSgemm reports the mean, median and smallest call time per product, and GFLOP/s from the mean', () => {
  const products = denseStepProducts([10, 10], 10); // forward, weight gradient, input gradient: 2000 FLOPs each
  // A fake clock: the forward call takes 1 ms, the weight gradient 2 ms, the input gradient 3 ms,
  // except the input gradient's last pass, 8 ms (a preemption): 5 passes.
  let clock = 0;
  let inputGradientCalls = 0;
  const matMul: MatMul = (...args) => {
    const [transposeA, transposeB] = [args[7], args[8]];
    if (transposeB) inputGradientCalls++;
    clock += transposeA ? 2 : transposeB ? (inputGradientCalls === 5 ? 8 : 3) : 1;
  };

  const r = measureSgemm({ matMul, products, seconds: 0, minPasses: 5, warmupPasses: 0, now: () => clock });

  assert.deepEqual(r.products.map((p) => p.msMedian), [1, 2, 3]);
  assert.deepEqual(r.products.map((p) => p.msMean), [1, 2, 4]);
  assert.deepEqual(r.products.map((p) => p.msMin), [1, 2, 3]);
  assert.deepEqual(r.products.map((p) => p.gflopsPerSecond), [2000 / 1e6, 1000 / 1e6, 2000 / 4e6]);
  assert.equal(r.passes, 5);
  assert.equal(r.seconds, (4 * 6 + (1 + 2 + 8)) / 1000);
});
