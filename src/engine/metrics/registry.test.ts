import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../errors.js';
import { TARGET_KINDS, type MetricInput, type TargetKind } from './metric.js';
import { getMetric, listMetrics, METRIC_NAMES, METRICS, metricsFor } from './registry.js';

/** An input of kind `kind` with no samples. */
function emptyInput(kind: TargetKind): MetricInput {
  return { predictions: new Float32Array(0), targets: kind === 'classes' ? new Int32Array(0) : new Float32Array(0), width: 2 };
}

describe('metric registry', () => {
  test('the registered metrics, in registry order, with unique camelCase names and one-line summaries', () => {
    assert.deepEqual([...METRIC_NAMES], ['accuracy', 'macroF1', 'auc', 'crossEntropy', 'rmse', 'mae', 'r2']);
    assert.equal(listMetrics(), METRICS);
    assert.equal(new Set(METRIC_NAMES).size, METRICS.length);
    for (const m of METRICS) {
      assert.match(m.name, /^[a-z][a-zA-Z0-9]*$/);
      assert.ok(m.summary.length > 0 && !m.summary.includes('\n'), m.name);
      assert.ok(m.kinds.length > 0 && m.kinds.every((k) => TARGET_KINDS.includes(k)), m.name);
    }
  });

  test('metricsFor gives the documented fixed order per kind', () => {
    const names = (kind: TargetKind): string[] => metricsFor(kind).map((m) => m.name);

    assert.deepEqual([...TARGET_KINDS], ['classes', 'binary', 'multilabel', 'regression']);
    assert.deepEqual(names('classes'), ['accuracy', 'macroF1', 'crossEntropy']);
    assert.deepEqual(names('binary'), ['accuracy', 'auc', 'crossEntropy']);
    assert.deepEqual(names('multilabel'), ['accuracy', 'auc', 'crossEntropy']);
    assert.deepEqual(names('regression'), ['rmse', 'mae', 'r2']);
  });

  test('which are higher-is-better', () => {
    const better = METRICS.filter((m) => m.higherIsBetter).map((m) => m.name);

    assert.deepEqual(better, ['accuracy', 'macroF1', 'auc', 'r2']);
  });

  test('getMetric finds each metric by name', () => {
    for (const m of METRICS) assert.equal(getMetric(m.name), m);
  });

  test('getMetric throws UnknownNameError listing the valid names', () => {
    assert.throws(
      () => getMetric('f1'),
      (err: unknown) => {
        assert.ok(err instanceof UnknownNameError);
        assert.equal(err.code, 'UNKNOWN_NAME');
        assert.match(err.message, /metric 'f1'/);
        assert.equal(err.hint, `use one of: ${METRIC_NAMES.join(', ')}`);
        return true;
      },
    );
  });

  test('metricsFor throws UnknownNameError for a kind that is not one', () => {
    assert.throws(() => metricsFor('ranking' as TargetKind), (err: unknown) => err instanceof UnknownNameError && /target kind 'ranking'/.test(err.message));
  });

  test('every metric accepts an empty input of each of its kinds and returns NaN', () => {
    for (const kind of TARGET_KINDS) {
      for (const m of metricsFor(kind)) assert.ok(Number.isNaN(m.compute(emptyInput(kind))), `${m.name} on ${kind}`);
    }
  });
});
