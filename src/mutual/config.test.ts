import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MutualConfigSchema, type MutualConfigInput } from './config.js';

const mlp = { type: 'mlp', hidden: [16] } as const;

function config(over: Partial<Record<keyof MutualConfigInput, unknown>> = {}): MutualConfigInput {
  return { mode: 'mutual', models: [mlp, mlp], method: { name: 'dml' }, ...over } as MutualConfigInput;
}

/** The issues of a failed parse as `path: message` lines. */
function issues(input: unknown): string[] {
  const r = MutualConfigSchema.safeParse(input);
  assert.equal(r.success, false, 'expected the config to be rejected');
  return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
}

test('MutualConfigSchema fills every default', () => {
  const parsed = MutualConfigSchema.parse(config());

  assert.equal(parsed.name, 'mutual');
  assert.deepEqual(parsed.seeds, [0]);
  assert.equal(parsed.backend, 'auto');
  assert.deepEqual(parsed.data, { dataset: 'mnist', testFraction: 0.2, validationFraction: 0.1, labelNoise: { rate: 0, type: 'symmetric' } });
  assert.deepEqual(parsed.method, { name: 'dml', options: { temperature: 1, klWeight: 1, rampUpEpochs: 0 } });
  assert.deepEqual(parsed.training, { epochs: 10, batchSize: 128, optimizer: { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } });
  assert.deepEqual(parsed.output, { dir: 'runs', saveModels: true });
  assert.deepEqual(parsed.models[0], { type: 'mlp', hidden: [16], activation: 'relu', dropout: 0, batchNorm: false, init: 'glorot' });
});

test('MutualConfigSchema moves method options under `options`, with the method\'s defaults', () => {
  const ct = MutualConfigSchema.parse(config({ method: { name: 'co-teaching', forgetRate: 0.3 } }));
  const kd = MutualConfigSchema.parse(config({ method: { name: 'distillation', temperature: 2 } }));

  assert.deepEqual(ct.method, { name: 'co-teaching', options: { forgetRate: 0.3, gradualEpochs: 10, exponent: 1 } });
  assert.deepEqual(kd.method, { name: 'distillation', options: { temperature: 2, alpha: 0.9 } });
});

test('parsing a parsed config again gives the same config, for every method', () => {
  const inputs: MutualConfigInput[] = [
    config(),
    config({ method: { name: 'dml', temperature: 3, rampUpEpochs: 2 }, seeds: [1, 2], data: { labelNoise: { rate: 0.4 } } }),
    config({ method: { name: 'co-teaching' } }),
    config({ method: { name: 'co-teaching', forgetRate: 0.5, exponent: 2 } }),
    config({ method: { name: 'distillation', alpha: 0.5 }, models: [mlp, { type: 'cnn', conv: [{ filters: 4 }] }], training: { optimizer: { name: 'sgd' } } }),
  ];

  for (const input of inputs) {
    const once = MutualConfigSchema.parse(input);

    const twice = MutualConfigSchema.parse(once);

    assert.deepEqual(twice, once, JSON.stringify(input));
    assert.deepEqual(MutualConfigSchema.parse(JSON.parse(JSON.stringify(once))), once, 'a saved config.json reloads to the same config');
  }
});

test('a bad method option is reported at its path under method', () => {
  assert.deepEqual(issues(config({ method: { name: 'dml', temperature: -1 } })), ['method.temperature: Too small: expected number to be >0']);
  assert.match(issues(config({ method: { name: 'distillation', alpha: 2 } }))[0], /^method\.alpha: /);
  assert.match(issues(config({ method: { name: 'co-teaching', options: { gradualEpochs: 0 } } }))[0], /^method\.gradualEpochs: /);
  assert.match(issues(config({ method: { name: 'dml', temprature: 2 } }))[0], /^method: .*temprature/);
});

test('an unknown method name is reported at method.name with the valid names', () => {
  const [issue, ...rest] = issues(config({ method: { name: 'mutual-teaching' } }));

  assert.equal(rest.length, 0);
  assert.match(issue, /^method\.name: /);
  for (const name of ['dml', 'co-teaching', 'distillation']) assert.ok(issue.includes(`"${name}"`), issue);
});

test('too few (or too many) models for a method is reported at models', () => {
  assert.deepEqual(issues(config({ models: [mlp] })), ["models: method 'dml' needs at least 2 models, got 1"]);
  assert.deepEqual(issues(config({ models: [mlp], method: { name: 'distillation' } })), ["models: method 'distillation' needs at least 2 models, got 1"]);
  assert.match(issues(config({ models: [] }))[0], /^models: /);
  assert.equal(MutualConfigSchema.safeParse(config({ models: [mlp, mlp, mlp] })).success, true);
});

test('other bad fields are reported at their dotted paths', () => {
  assert.match(issues(config({ training: { epochs: 0 } }))[0], /^training\.epochs: /);
  assert.match(issues(config({ models: [mlp, { type: 'mlp', hidden: [8, 0] }] }))[0], /^models\.1\.hidden\.1: /);
  assert.match(issues(config({ backend: 'gpu' }))[0], /^backend: .*"wasm"/);
  assert.match(issues(config({ name: 'a b' }))[0], /^name: use letters/);
  assert.match(issues(config({ seeds: [] }))[0], /^seeds: /);
  assert.match(issues(config({ seeds: [1, 2, 1] }))[0], /^seeds: .*1.*more than once/);
  assert.match(issues(config({ data: { labelNoise: { rate: 0.99 } } }))[0], /^data\.labelNoise\.rate: /);
  assert.match(issues({ ...config(), extra: true })[0], /Unrecognized key: "extra"/);
});
