import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../errors.js';
import type { Member } from '../engine/member.js';
import { getMutualMethod, listMutualMethods, MUTUAL_METHOD_NAMES } from './registry.js';

test('the registry lists dml, co-teaching and distillation, each needing at least two models', () => {
  const methods = listMutualMethods();

  assert.deepEqual(MUTUAL_METHOD_NAMES, ['dml', 'co-teaching', 'distillation']);
  assert.deepEqual(methods.map((m) => m.name), MUTUAL_METHOD_NAMES);
  for (const m of methods) {
    assert.ok(m.minModels >= 2, `${m.name} minModels ${m.minModels}`);
    assert.ok(m.summary.length > 10, `${m.name} has a summary`);
    assert.equal(getMutualMethod(m.name), m);
  }
});

test('looking up an unknown method throws UnknownNameError listing the valid names', () => {
  assert.throws(
    () => getMutualMethod('mutual-teaching'),
    (err: unknown) => {
      assert.ok(err instanceof UnknownNameError, String(err));
      assert.equal(err.code, 'UNKNOWN_NAME');
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /unknown mutual-learning method 'mutual-teaching'/);
      assert.equal(err.hint, 'use one of: dml, co-teaching, distillation');
      return true;
    },
  );
});

test("a registered method validates raw options with its own schema and fills the defaults", () => {
  const members = [{ name: 'a' }, { name: 'b' }] as unknown as Member[];
  const ctx = { members, aloneMembers: members, labelNoise: 0, head: 'y' };
  const dml = getMutualMethod('dml');

  const setup = dml.setup(undefined, ctx);

  assert.equal(setup.objective.name, 'dml');
  assert.throws(() => dml.setup({ temperature: -1 }, ctx), (err: unknown) => err instanceof Error && err.name === 'ZodError' && /temperature/.test(err.message));
  assert.throws(() => getMutualMethod('co-teaching').setup({ forgetrate: 0.2 }, ctx), /forgetrate/);
});
