/**
 * The federated report with baselines that diverged: a diverged baseline is shown as such in the
 * table, the verdict, the summary and the Markdown, and the scores that exist are kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { divergenceText, federatedMarkdown, federatedTable, federatedVerdict, privacySvg, summarizeFederated, type FederatedReportInput } from './federated-report.js';
import type { RoundRecord } from './server/coordinator.js';

function round(n: number, accuracy: number): RoundRecord {
  return {
    round: n,
    sampled: ['c0', 'c1', 'c2'],
    replied: ['c0', 'c1', 'c2'],
    failures: [],
    trainLoss: 0.5,
    aggregate: {},
    evaluation: { accuracy, loss: 0.4 },
    clientMetrics: {},
    bytesSent: 1024,
    bytesReceived: 2048,
    seconds: 1,
    paramsChecksum: 'x',
  };
}

const nan = { loss: 'NaN', epoch: 2, step: 7, message: "loss 'ce' became NaN at epoch 2, step 7 (local)" };

function input(overrides: Partial<FederatedReportInput>): FederatedReportInput {
  return {
    title: 't',
    strategy: 'fedavg',
    backend: 'cpu',
    history: [round(1, 0.6), round(2, 0.8)],
    clients: { c0: { sampled: 2, replied: 2, failures: 0 }, c1: { sampled: 2, replied: 2, failures: 0 }, c2: { sampled: 2, replied: 2, failures: 0 } },
    baselineEpochs: 4,
    ...overrides,
  };
}

describe('federated report with diverged baselines', () => {
  it('divergenceText says the value and where', () => {
    assert.equal(divergenceText(nan), 'loss NaN at epoch 2, step 7');
    assert.equal(divergenceText({ loss: 'Infinity', message: 'm' }), 'loss Infinity');
  });

  it('a diverged pooled baseline: the row says diverged, the verdict says there is no pooled reference, the local-only comparison stands', () => {
    const i = input({ localOnly: { c0: { accuracy: 0.5, loss: 1 }, c1: { accuracy: 0.7, loss: 1 }, c2: { accuracy: 0.6, loss: 1 } }, diverged: { pooled: nan } });

    const s = summarizeFederated(i);
    const table = federatedTable(i, s);

    assert.equal(s.pooled, undefined);
    assert.equal(s.pooledDiverged, 'loss NaN at epoch 2, step 7');
    assert.equal(s.localOnlyDiverged, 0);
    assert.ok(Math.abs((s.gainOverLocal ?? 0) - 0.2) < 1e-12);
    assert.match(table, /local-only \(mean of 3 clients\)\s+60\.00% ± 10\.00\s+\+20\.00 pp/);
    assert.match(table, /pooled \(all data in one place\)\s+diverged \(loss NaN at epoch 2, step 7\)\s+–/);
    assert.equal(
      federatedVerdict(s),
      'Federated training beat training alone: 80.00% vs 60.00% mean local-only (+20.00 pp); the pooled baseline diverged (loss NaN at epoch 2, step 7), so there is no pooled reference.',
    );
    assert.match(federatedMarkdown(i), /Baselines trained 4 epochs each/);
  });

  it('local-only clients that diverged are left out of the mean and named in the clients table', () => {
    const i = input({ localOnly: { c0: { accuracy: 0.5, loss: 1 }, c2: { accuracy: 0.7, loss: 1 } }, pooled: { accuracy: 0.9, loss: 0.3 }, diverged: { localOnly: { c1: nan } } });

    const s = summarizeFederated(i);
    const md = federatedMarkdown(i);

    assert.equal(s.localOnlyDiverged, 1);
    assert.ok(Math.abs((s.localOnlyMean ?? 0) - 0.6) < 1e-12);
    assert.match(federatedTable(i, s), /local-only \(mean of 2 clients; 1 more diverged\)\s+60\.00%/);
    assert.match(federatedVerdict(s), /\(\+20\.00 pp\) over the clients whose local-only training did not diverge \(1 did\); it is -10\.00 pp from pooled training\.$/);
    assert.match(md, /\| c0 \| 2 \| 2 \| 50\.00% \|\n\| c1 \| 2 \| 2 \| diverged \(loss NaN at epoch 2, step 7\) \|\n\| c2 \| 2 \| 2 \| 70\.00% \|/);
  });

  it('every local-only client diverged: one row says so and the verdict does not invent a comparison', () => {
    const i = input({ diverged: { localOnly: { c0: nan, c1: nan, c2: nan } } });

    const s = summarizeFederated(i);

    assert.equal(s.localOnlyMean, undefined);
    assert.match(federatedTable(i, s), /local-only \(3 clients\)\s+diverged \(every client; first: loss NaN at epoch 2, step 7\)\s+–/);
    assert.equal(federatedVerdict(s), 'Federated model: 80.00% test accuracy (the local-only baseline diverged on every client).');
  });

  it('without divergence the report is as before', () => {
    const i = input({ localOnly: { c0: { accuracy: 0.5, loss: 1 } }, pooled: { accuracy: 0.9, loss: 0.3 } });

    const s = summarizeFederated(i);

    assert.equal(s.pooledDiverged, undefined);
    assert.equal(s.localOnlyDiverged, 0);
    assert.doesNotMatch(federatedTable(i, s) + federatedMarkdown(i), /diverged/);
  });
});

describe('federated report with class names', () => {
  it('the label histograms are headed by the class names, and the report lists them in index order', () => {
    // Arrange
    const i = input({ histograms: { counts: [[3, 1], [0, 4]] }, classNames: ['benign', 'malignant'] });
    // Act
    const md = federatedMarkdown(i);
    // Assert
    assert.match(md, /Classes \(in index order\): benign, malignant\./);
    assert.match(md, /\| client \|\s+n \| benign \| malignant \|\n/);
    assert.match(md, /\|\s+0 \|\s+4 \|\s+3 \|\s+1 \|/);
    assert.doesNotMatch(md, /\| client \|\s+n \|\s+0 \|\s+1 \|/);
  });

  it('without class names the histogram columns are the class indices and no class line is written', () => {
    const md = federatedMarkdown(input({ histograms: { counts: [[3, 1], [0, 4]] } }));

    assert.match(md, /\| client \|\s+n \|\s+0 \|\s+1 \|\n/);
    assert.doesNotMatch(md, /Classes \(in index order\)/);
  });
});

describe('federated report of a differentially private run', () => {
  const dpRound = (n: number, accuracy: number, epsilon: number): RoundRecord => ({ ...round(n, accuracy), aggregate: { epsilon, delta: 1e-5 } });
  const history = [dpRound(1, 0.5, 1.2), dpRound(2, 0.7, 1.9)];

  it('shows ε in the summary, the table, a Privacy section with an ε column, and the cost against the same run without privacy', () => {
    const r = input({ history, nonPrivate: { accuracy: [0.6, 0.75] } });

    const s = summarizeFederated(r);
    const table = federatedTable(r, s);
    const md = federatedMarkdown(r);

    assert.deepEqual(s.privacy, { epsilon: 1.9, delta: 1e-5 });
    assert.equal(s.nonPrivate, 0.75);
    assert.ok(Math.abs((s.privacyCost ?? 0) + 0.05) < 1e-12);
    assert.match(table, /federated \(fedavg, 2 rounds, ε = 1\.900 at δ = 0\.00001\)/);
    assert.match(table, /the same federation without privacy\s+75\.00%\s+-5\.00 pp/);
    assert.match(md, /## Privacy/);
    assert.match(md, /privacy cost 5\.00 pp of accuracy/);
    assert.match(md, /\| round \| clients \| replied \| failed \| test acc \| test loss \| train loss \| ε \|/);
    assert.match(md, /\| 2 \| 3 \| 3 \| 0 \| 70\.00% \| 0\.4000 \| 0\.5000 \| 1\.900 \|/);
    const svg = privacySvg(r) ?? '';
    assert.match(svg, /<svg/);
    assert.match(svg, /the same rounds without privacy/);
  });

  it('without the non-private run the report says how to get the comparison; without privacy there is no section or plot', () => {
    assert.match(federatedMarkdown(input({ history })), /did not run .*compare with a run without `privacy`/);
    const plain = input({});
    assert.doesNotMatch(federatedMarkdown(plain), /## Privacy|ε/);
    assert.equal(privacySvg(plain), undefined);
    assert.equal(summarizeFederated(plain).privacy, undefined);
  });
});
