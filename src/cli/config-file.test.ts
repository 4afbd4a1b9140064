import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { applyOverrides } from './commands/run.js';
import type { MutualConfig } from '../mutual/config.js';
import { loadConfigFile, validateConfig, type ExperimentConfig } from './config-file.js';
import { tempDirFactory } from '../engine/testing.js';

const tempDir = tempDirFactory('jointly-config-');

function base(): Record<string, unknown> {
  return { mode: 'mutual', models: [{ type: 'mlp', hidden: [16] }, { type: 'mlp', hidden: [16] }], method: { name: 'dml' } };
}

/** An assert.throws validator: a ConfigError at `path` whose message matches every pattern. */
function configError(path: string, ...patterns: RegExp[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.path, path);
    assert.equal(err.exitCode, 2);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  };
}

/** Narrows a parsed config to a mutual-learning one (failing the test otherwise). */
function mutual(config: ExperimentConfig): MutualConfig {
  assert.equal(config.mode, 'mutual');
  return config as MutualConfig;
}

test('validateConfig requires a mode and names the runnable modes', () => {
  const { mode: _mode, ...noMode } = base();

  assert.throws(() => validateConfig(noMode, 'x.json'), configError('mode', /missing; expected one of "mutual"\|"multitask"\|"multimodal"\|"federated"/));
  assert.throws(() => validateConfig({ ...base(), mode: 'browser' }, 'x.json'), configError('mode', /"browser" is not a mode this command runs; expected one of "mutual"\|"multitask"\|"multimodal"\|"federated"/));
  assert.throws(() => validateConfig({ ...base(), mode: 'client' }, 'x.json'), configError('mode', /"client" is not a mode this command runs/));
  assert.throws(() => validateConfig({ ...base(), mode: 3 }, 'x.json'), configError('mode', /"3" is not a mode this command runs/));
  assert.throws(() => validateConfig([base()], 'x.json'), (err: unknown) => err instanceof ConfigError && /x\.json must contain an object/.test(err.message));
  assert.throws(() => validateConfig(null, 'x.json'), ConfigError);
});

test('validateConfig names the dotted path of a bad field, and the allowed values of an enum', () => {
  const with_ = (patch: (c: Record<string, unknown>) => void): Record<string, unknown> => {
    const c = structuredClone(base());
    patch(c);
    return c;
  };

  assert.throws(() => validateConfig(with_((c) => (c.method = { name: 'dmll' })), 'x.json'), configError('method.name', /"dml"\|"co-teaching"\|"distillation"/));
  assert.throws(() => validateConfig(with_((c) => (c.training = { epochs: 1.5 })), 'x.json'), configError('training.epochs', /int/));
  assert.throws(() => validateConfig(with_((c) => (c.models = [{ type: 'mlp', hidden: [16, -1] }, { type: 'mlp' }])), 'x.json'), configError('models[0].hidden[1]', /too small/i));
  assert.throws(() => validateConfig(with_((c) => (c.backend = 'gpu')), 'x.json'), configError('backend', /"auto"\|"tensorflow"\|"native"\|"wasm"\|"cpu"/));
  assert.throws(() => validateConfig(with_((c) => (c.data = { labelNoise: { type: 'asymmetric' } })), 'x.json'), configError('data.labelNoise.type', /"symmetric"\|"uniform"\|"pairflip"/));
  assert.throws(() => validateConfig(with_((c) => (c.models = [{ type: 'rnn' }, { type: 'mlp' }])), 'x.json'), configError('models[0].type', /'mlp' \| 'cnn'/));
  assert.throws(() => validateConfig(with_((c) => (c.method = { name: 'dml', temperature: -1 })), 'x.json'), configError('method.temperature', />0/));
  assert.throws(() => validateConfig(with_((c) => (c.models = [{ type: 'mlp' }])), 'x.json'), configError('models', /needs at least 2 models/));
});

test('validateConfig reports how many more fields are wrong, and hints at the file', () => {
  const raw = { ...base(), seeds: [-1], training: { epochs: 0, batchSize: 'big' } };

  assert.throws(
    () => validateConfig(raw, 'exp.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.path, 'seeds[0]');
      assert.match(err.message, /\(and 2 more: training\.epochs, training\.batchSize\)$/);
      assert.match(err.hint ?? '', /exp\.yaml/);
      return true;
    },
  );
});

test('validateConfig returns the parsed config with defaults', () => {
  const cfg = validateConfig(base(), 'x.json');

  assert.equal(cfg.mode, 'mutual');
  assert.equal(cfg.training.epochs, 10);
  assert.deepEqual(cfg.method.options, { temperature: 1, klWeight: 1, rampUpEpochs: 0 });
});

test('loadConfigFile reads JSON, YAML and YML files to the same config', () => {
  const dir = tempDir();
  const json = join(dir, 'exp.json');
  const yaml = join(dir, 'exp.yaml');
  const yml = join(dir, 'exp.yml');
  writeFileSync(json, JSON.stringify({ ...base(), seeds: [1, 2], training: { epochs: 3 } }));
  const yamlText = ['mode: mutual', 'seeds: [1, 2]', 'models:', '  - type: mlp', '    hidden: [16]', '  - { type: mlp, hidden: [16] }', 'method:', '  name: dml', 'training:', '  epochs: 3', ''].join('\n');
  writeFileSync(yaml, yamlText);
  writeFileSync(yml, yamlText);

  const fromJson = loadConfigFile(json);
  const fromYaml = loadConfigFile(yaml);
  const fromYml = loadConfigFile(yml);

  assert.deepEqual(fromYaml.config, fromJson.config);
  assert.deepEqual(fromYml.config, fromJson.config);
  const config = mutual(fromJson.config);
  assert.deepEqual(config.seeds, [1, 2]);
  assert.equal(config.training.epochs, 3);
  assert.deepEqual((fromYaml.raw as { seeds: number[] }).seeds, [1, 2]);
});

test('loadConfigFile reports syntax errors, bad fields with the file name, and missing files', () => {
  const dir = tempDir();
  const badJson = join(dir, 'bad.json');
  const badYaml = join(dir, 'bad.yaml');
  const badField = join(dir, 'field.yaml');
  writeFileSync(badJson, '{ "mode": "mutual", }');
  writeFileSync(badYaml, 'mode: mutual\nmodels: [unclosed\n');
  writeFileSync(badField, 'mode: mutual\nmodels: [{type: mlp}, {type: mlp}]\nmethod: {name: dml}\ntraining: {epochs: 0}\n');

  assert.throws(() => loadConfigFile(badJson), (err: unknown) => err instanceof ConfigError && /bad\.json is not valid JSON/.test(err.message));
  assert.throws(() => loadConfigFile(badYaml), (err: unknown) => err instanceof ConfigError && /bad\.yaml is not valid YAML/.test(err.message));
  assert.throws(() => loadConfigFile(badField), (err: unknown) => err instanceof ConfigError && err.path === 'training.epochs' && /field\.yaml/.test(err.hint ?? ''));
  assert.throws(() => loadConfigFile(join(dir, 'nope.json')), (err: unknown) => err instanceof UsageError && /nope\.json does not exist/.test(err.message));
});

test('applyOverrides sets command-line values over the file without changing the raw config', () => {
  const raw = { ...base(), training: { epochs: 7, batchSize: 32 }, output: { dir: 'runs' } };
  const copy = structuredClone(raw);

  const cfg = mutual(applyOverrides(raw, { epochs: 2, seeds: [4, 5], out: '/tmp/x', saveModels: false, backend: 'cpu', dataDir: '/data' }, 'x.json'));

  assert.equal(cfg.training.epochs, 2);
  assert.equal(cfg.training.batchSize, 32);
  assert.deepEqual(cfg.seeds, [4, 5]);
  // --out is the run folder itself (runExperiment opens it), not the parent output.dir.
  assert.deepEqual(cfg.output, { dir: 'runs', saveModels: false });
  assert.equal(cfg.backend, 'cpu');
  assert.equal(cfg.data.dataDir, '/data');
  assert.deepEqual(raw, copy);
  assert.throws(() => applyOverrides(raw, { backend: 'nope' }, 'x.json'), configError('backend', /"wasm"/));
});

test('did you mean: a misspelt field at any depth, an enum value, a discriminator and the mode get the closest allowed name', () => {
  const topLevel = { ...base(), seedz: [0] };
  const nested = { ...base(), data: { dataset: 'csv', train: 'x.csv', labelColum: 0 } };
  const deeper = { ...base(), data: { labelNoise: { rat: 0.2 } } };
  const enumValue = { ...base(), backend: 'natve' };
  const method = { ...base(), method: { name: 'dmll' } };
  const federated = { mode: 'federated', model: { type: 'mlp', hidden: [4] }, strategy: { name: 'fedavgg' } };
  const mode = { ...base(), mode: 'mutal' };

  assert.throws(() => validateConfig(topLevel, 'x.json'), configError('(config)', /unknown field\(s\) "seedz" \("seedz": did you mean "seeds"\?\); the fields here are mode, name, seeds/));
  assert.throws(() => validateConfig(nested, 'x.json'), configError('data', /"labelColum": did you mean "labelColumn"\?/));
  assert.throws(() => validateConfig(deeper, 'x.json'), configError('data.labelNoise', /"rat": did you mean "rate"\?/));
  assert.throws(() => validateConfig(enumValue, 'x.json'), configError('backend', /got "natve"; did you mean "native"\?/));
  assert.throws(() => validateConfig(method, 'x.json'), configError('method.name', /"dml"\|"co-teaching"\|"distillation" \(got "dmll"; did you mean "dml"\?\)/));
  assert.throws(() => validateConfig(federated, 'x.json'), configError('strategy.name', /got "fedavgg"; did you mean "fedavg"/));
  assert.throws(() => validateConfig(mode, 'x.json'), configError('mode', /is not a mode this command runs; .*\(did you mean "mutual"\?\)/));
});

test('no suggestion when nothing is close: the message lists the allowed names only', () => {
  const far = { ...base(), backend: 'quantum' };
  const farField = { ...base(), zzzzzz: 1 };

  assert.throws(() => validateConfig(far, 'x.json'), (err: unknown) => err instanceof ConfigError && /backend: /.test(err.message) && !/did you mean/.test(err.message));
  assert.throws(() => validateConfig(farField, 'x.json'), (err: unknown) => err instanceof ConfigError && /unknown field\(s\) "zzzzzz"; the fields here are/.test(err.message) && !/did you mean/.test(err.message));
});
