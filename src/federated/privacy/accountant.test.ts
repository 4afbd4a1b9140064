// Published values reproduced to 3 significant digits (most to many more); each test cites its source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { dpSgdEpsilon, emptyLedger, ledgerEpsilon, spend } from './accountant.js';
import { TF_PRIVACY_DP_SGD_ORDERS } from './rdp-orders.js';
import { rdpSampledGaussian } from './rdp-sampled-gaussian.js';
import { epsilonFromRdp, epsilonFromRdpClassic } from './rdp-to-epsilon.js';

const closeRel = (got: number, want: number, rel: number, what: string): void => {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want}`);
};
/** Same to 3 significant digits: |got − want| < half a unit in the third digit. */
const threeDigits = (got: number, want: number, what: string): void => {
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(want))) - 2);
  assert.ok(Math.abs(got - want) < 0.5 * unit + 1e-12, `${what}: got ${got}, want ${want} to 3 significant digits`);
};

test('TF Privacy compute_dp_sgd_privacy_test.py (Test0-2): ε and optimal order of DP-SGD', () => {
  // tensorflow/privacy, tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py,
  // test_compute_dp_sgd_privacy: (n, batch, z, epochs, δ) → (ε, order).
  const cases = [
    { examples: 60000, batchSize: 150, noiseMultiplier: 1.3, epochs: 15, delta: 1e-5, epsilon: 0.7242234026109595, order: 19 },
    { examples: 100000, batchSize: 100, noiseMultiplier: 1.0, epochs: 30, delta: 1e-7, epsilon: 1.4154988495444842, order: 13 },
    { examples: 100000000, batchSize: 1024, noiseMultiplier: 0.1, epochs: 10, delta: 1e-7, epsilon: 5907982.3113984, order: 1.25 },
  ];
  for (const c of cases) {
    const got = dpSgdEpsilon({ ...c, orders: TF_PRIVACY_DP_SGD_ORDERS });
    closeRel(got.epsilon, c.epsilon, 1e-9, `ε of n=${c.examples}, z=${c.noiseMultiplier}`);
    assert.equal(got.order, c.order);
  }
});

test('TF Privacy MNIST tutorial (tutorials/README.md): ε = 1.03, 1.11, 3.01 after 1, 2, 60 epochs; 1.19 and 7.10 in its table', () => {
  // tensorflow/privacy tutorials/README.md, "Expected Output" and "Select Parameters", computed by
  // mnist_dpsgd_tutorial.py's compute_epsilon: q = 256/60000, steps = epochs·⌊60000/256⌋, orders
  // 1.1…10.9 and 12…63, and the classic conversion of get_privacy_spent at the time.
  const orders = [...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10), ...Array.from({ length: 52 }, (_, i) => 12 + i)];
  const at = (z: number, epochs: number): number => {
    const ledger = spend(emptyLedger(orders), { q: 256 / 60000, noiseMultiplier: z, steps: epochs * Math.floor(60000 / 256) });
    return epsilonFromRdpClassic(ledger.orders, ledger.rdp, 1e-5).epsilon;
  };
  threeDigits(at(1.1, 1), 1.03, 'z=1.1, 1 epoch');
  threeDigits(at(1.1, 2), 1.11, 'z=1.1, 2 epochs');
  threeDigits(at(1.1, 60), 3.01, 'z=1.1, 60 epochs');
  threeDigits(at(1.3, 15), 1.19, 'z=1.3, 15 epochs');
  threeDigits(at(0.7, 45), 7.10, 'z=0.7, 45 epochs');
  // The tighter conversion gives less for the same RDP (dp_accounting's compute_epsilon: 2.594 at 60 epochs).
  const ledger = spend(emptyLedger(orders), { q: 256 / 60000, noiseMultiplier: 1.1, steps: 60 * 234 });
  threeDigits(epsilonFromRdp(ledger.orders, ledger.rdp, 1e-5).epsilon, 2.594, 'z=1.1, 60 epochs, tighter conversion');
});

test('Opacus analysis/rdp.py docstring: two mechanisms composed give ε = 0.336 at order 23', () => {
  // pytorch/opacus, opacus/accountants/analysis/rdp.py module docstring:
  // parameters [(1e-5, 1.0, 10), (1e-4, 3.0, 4)], δ = 1e-5, orders 2…32 → (0.336, 23).
  const orders = Array.from({ length: 31 }, (_, i) => 2 + i);
  const ledger = spend(spend(emptyLedger(orders), { q: 1e-5, noiseMultiplier: 1.0, steps: 10 }), { q: 1e-4, noiseMultiplier: 3.0, steps: 4 });
  const got = ledgerEpsilon(ledger, 1e-5);
  threeDigits(got.epsilon, 0.336, 'ε');
  assert.equal(got.order, 23);
  assert.equal(ledger.steps, 14);
});

test('dp_accounting rdp_privacy_accountant_test.py: RDP of 50 steps at q = 0.01, z = 2.5, fractional and integer orders', () => {
  // google/differential-privacy, python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py,
  // test_compute_rdp_poisson_sampled_gaussian (rtol 1e-4 there).
  const orders = [1.5, 2.5, 5, 50, 100, Number.POSITIVE_INFINITY];
  const want = [6.70579741e-4, 1.0854871e-3, 2.18075656e-3, 2.38460375e-2, 1.67416308e2, Number.POSITIVE_INFINITY];
  const got = rdpSampledGaussian(0.01, 2.5, orders).map((r) => r * 50);
  for (let k = 0; k < 5; k++) closeRel(got[k], want[k], 1e-6, `order ${orders[k]}`);
  assert.equal(got[5], Number.POSITIVE_INFINITY);
});

test('dp_accounting: the Gaussian mechanism with z = 4.530877117 is exactly (1, 1e-6)-DP', () => {
  // rdp_privacy_accountant_test.py, test_compute_epsilon_delta_gaussian: orders 1.000, 1.001, …, 99.999.
  const orders = Array.from({ length: 99000 }, (_, i) => 0.001 * (1000 + i)).filter((a) => a > 1);
  const rdp = rdpSampledGaussian(1, 4.530877117, orders);
  closeRel(epsilonFromRdp(orders, rdp, 1e-6).epsilon, 1, 1e-6, 'ε');
});

test('the special cases: q = 0 spends nothing, z = 0 spends everything, q = 1 is α/(2z²)', () => {
  assert.deepEqual(Array.from(rdpSampledGaussian(0, 1, [2, 3])), [0, 0]);
  assert.deepEqual(Array.from(rdpSampledGaussian(0.1, 0, [2])), [Number.POSITIVE_INFINITY]);
  assert.deepEqual(Array.from(rdpSampledGaussian(1, 2, [2, 8])), [2 / 8, 8 / 8]);
  assert.deepEqual(ledgerEpsilon(emptyLedger(), 1e-5), { epsilon: 0, order: Number.NaN });
  assert.equal(ledgerEpsilon(spend(emptyLedger(), { q: 0.5, noiseMultiplier: 0 }), 1e-5).epsilon, Number.POSITIVE_INFINITY);
});

test('ε grows with rounds and falls with noise; spend does not modify the old ledger', () => {
  const start = emptyLedger();
  const one = spend(start, { q: 0.1, noiseMultiplier: 1, steps: 10 });
  const two = spend(one, { q: 0.1, noiseMultiplier: 1, steps: 10 });
  assert.equal(start.steps, 0);
  assert.ok(start.rdp.every((r) => r === 0));
  assert.ok(ledgerEpsilon(two, 1e-5).epsilon > ledgerEpsilon(one, 1e-5).epsilon);
  const noisier = spend(start, { q: 0.1, noiseMultiplier: 2, steps: 10 });
  assert.ok(ledgerEpsilon(noisier, 1e-5).epsilon < ledgerEpsilon(one, 1e-5).epsilon);
  // Composition adds: 20 steps at once equal 10 + 10.
  const twenty = spend(start, { q: 0.1, noiseMultiplier: 1, steps: 20 });
  // (Orders where the fractional series does not converge are +∞ in both, as in dp_accounting.)
  twenty.rdp.forEach((r, k) => (Number.isFinite(r) ? closeRel(r, two.rdp[k], 1e-12, `order ${twenty.orders[k]}`) : assert.equal(two.rdp[k], r)));
});

test('bad arguments are refused with the cause: δ, q, z, orders, steps', () => {
  assert.throws(() => ledgerEpsilon(spend(emptyLedger(), { q: 0.1, noiseMultiplier: 1 }), 0), errorLike(ConfigError, /δ must be in \(0, 1\), got 0/));
  assert.throws(() => ledgerEpsilon(spend(emptyLedger(), { q: 0.1, noiseMultiplier: 1 }), 1.5), errorLike(ConfigError, /δ must be in/));
  assert.throws(() => rdpSampledGaussian(1.2, 1, [2]), errorLike(ConfigError, /sampling rate must be in \[0, 1\], got 1.2/));
  assert.throws(() => rdpSampledGaussian(0.1, -1, [2]), errorLike(ConfigError, /noise multiplier must be ≥ 0, got -1/));
  assert.throws(() => rdpSampledGaussian(0.1, Number.NaN, [2]), ConfigError);
  assert.throws(() => rdpSampledGaussian(0.1, 1, [1]), errorLike(ConfigError, /orders must be > 1, got 1/));
  assert.throws(() => spend(emptyLedger(), { q: 0.1, noiseMultiplier: 1, steps: 1.5 }), errorLike(ConfigError, /steps must be an integer/));
  assert.throws(() => epsilonFromRdp([2, 3], [1], 1e-5), errorLike(ConfigError, /2 orders but 1 RDP values/));
});
