import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { ALIGNMENT_LOSS_NAMES, getAlignmentLoss, listAlignmentLosses } from './registry.js';

test('alignment loss registry: clip and siglip, each with option names matching its schema', () => {
  assert.deepEqual([...ALIGNMENT_LOSS_NAMES], ['clip', 'siglip']);
  for (const loss of listAlignmentLosses()) {
    assert.ok(loss.description.length > 0);
    const defaults = loss.options.parse({}) as Record<string, unknown>;
    for (const key of Object.keys(defaults)) assert.ok(loss.optionNames.includes(key), `${loss.name}: option ${key} is listed`);
  }
  assert.throws(() => getAlignmentLoss('infonce'), errorLike(UnknownNameError, /infonce/));
});
