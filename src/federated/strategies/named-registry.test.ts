import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../errors.js';
import { NamedRegistry } from './named-registry.js';

test('a named registry keeps its order, finds by name and lists the names of an unknown one', () => {
  const r = new NamedRegistry('widget', [{ name: 'b', n: 1 }, { name: 'a', n: 2 }]);

  assert.deepEqual(r.names, ['b', 'a']);
  assert.equal(r.get('a').n, 2);
  assert.equal(r.has('c'), false);
  assert.throws(() => r.get('c'), (err: unknown) => {
    assert.ok(err instanceof UnknownNameError);
    assert.match(err.message, /^unknown widget 'c'(; did you mean .*\?)?$/);
    assert.equal(err.hint, 'use one of: b, a');
    return true;
  });
});

test('a name registered twice is refused', () => {
  assert.throws(() => new NamedRegistry('widget', [{ name: 'a' }, { name: 'a' }]), /'a' is registered twice/);
});
