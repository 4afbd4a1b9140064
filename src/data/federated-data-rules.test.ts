import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FederatedConfigSchema } from '../federated/config.js';
import { ClientRunConfigSchema } from '../federated/network/run-client.js';
import { DataConfigSchema } from './config.js';
import { federatedDataIssues } from './federated-data-rules.js';

test('statistics fitted per party are refused in federated configs, with what to do', () => {
  const cfg = DataConfigSchema.parse({ preprocess: 'standardize', missing: { policy: 'impute' }, categorical: {} });

  const issues = federatedDataIssues(cfg);

  assert.deepEqual(issues.map((i) => i.path.join('.')), ['preprocess', 'missing.policy', 'categorical.levels']);
  assert.match(issues[0].message, /beforehand/);
  assert.deepEqual(federatedDataIssues(DataConfigSchema.parse({ categorical: { levels: { color: ['red'] } }, missing: { policy: 'drop' }, header: 1 })), []);
});

test('the federated and client config schemas apply the refusals', () => {
  const server = FederatedConfigSchema.safeParse({ mode: 'federated', model: { type: 'mlp' }, data: { dataset: 'csv', preprocess: 'min-max' } });
  const client = ClientRunConfigSchema.safeParse({ server: 'ws://localhost:1', id: 'a', data: { dataset: 'csv', missing: { policy: 'impute' } } });

  assert.equal(server.success, false);
  assert.ok(server.error?.issues.some((i) => i.path.join('.') === 'data.preprocess'));
  assert.equal(client.success, false);
  assert.ok(client.error?.issues.some((i) => i.path.join('.') === 'data.missing.policy'));
});
