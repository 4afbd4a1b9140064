import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JointlyError } from '../errors.js';
import { nameList, oneName, positiveInteger, positiveIntegerList, positiveNumber } from './flag-values.js';

/** Asserts `fn` throws a JointlyError with `code` whose message contains `text`. */
const throwsCode = (fn: () => unknown, code: string, text: string): void => {
  assert.throws(fn, (err: unknown) => err instanceof JointlyError && err.code === code && err.message.includes(text));
};

test('positiveNumber and positiveInteger read good values and name the flag in the error for bad ones', () => {
  assert.equal(positiveNumber('seconds', '2.5'), 2.5);
  assert.equal(positiveInteger('repeats', '3'), 3);
  throwsCode(() => positiveNumber('seconds', '0'), 'USAGE', '--seconds');
  throwsCode(() => positiveNumber('seconds', ''), 'USAGE', '--seconds');
  throwsCode(() => positiveNumber('seconds', 'abc'), 'USAGE', "'abc'");
  throwsCode(() => positiveInteger('repeats', '1.5'), 'USAGE', '--repeats');
  throwsCode(() => positiveInteger('repeats', '-1'), 'USAGE', '--repeats');
});

test('positiveIntegerList reads a comma list and refuses repeats and bad entries', () => {
  assert.deepEqual(positiveIntegerList('threads', '1, 2'), [1, 2]);
  throwsCode(() => positiveIntegerList('threads', '1,1'), 'USAGE', 'twice');
  throwsCode(() => positiveIntegerList('threads', '1,x'), 'USAGE', "'x'");
  throwsCode(() => positiveIntegerList('threads', '1,'), 'USAGE', '--threads');
});

test('nameList and oneName accept known names and refuse others with the list of valid ones', () => {
  assert.deepEqual(nameList('models', 'mlp,lenet', ['mlp', 'cnn', 'lenet']), ['mlp', 'lenet']);
  assert.equal(oneName('backend', 'native', ['auto', 'native']), 'native');
  throwsCode(() => nameList('models', 'mlp,lenett', ['mlp', 'cnn', 'lenet']), 'UNKNOWN_NAME', "'lenett'");
  throwsCode(() => nameList('models', 'mlp,mlp', ['mlp', 'cnn']), 'USAGE', 'twice');
  throwsCode(() => oneName('backend', 'native,wasm', ['auto', 'native', 'wasm']), 'UNKNOWN_NAME', 'native,wasm');
});
