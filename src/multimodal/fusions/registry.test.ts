/** The fusion registry: at least nine fusions, each with a description, strict options with defaults and its option names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLike } from '../../engine/testing.js';
import { UnknownNameError } from '../../errors.js';
import { FUSION_NAMES, findFusion, getFusion, listFusions } from './registry.js';

test('the registry holds the issue fusions and more, each findable by name', () => {
  for (const name of ['concat', 'late-mean', 'late-weighted', 'gmu', 'attention', 'tensor', 'low-rank', 'film', 'cross-attention']) assert.ok(FUSION_NAMES.includes(name), name);
  assert.ok(listFusions().length >= 9);
  assert.equal(new Set(FUSION_NAMES).size, FUSION_NAMES.length, 'unique names');
  for (const f of listFusions()) assert.equal(getFusion(f.name), f);
  assert.equal(findFusion('nope'), undefined);
  assert.throws(() => getFusion('nope'), errorLike(UnknownNameError, /unknown fusion 'nope'/));
});

test('every fusion: a description, defaults for every option, strict options, and its option names', () => {
  for (const f of listFusions()) {
    assert.ok(f.description.length > 10, `${f.name}: description`);
    assert.ok(f.minModalities >= 2 && (f.maxModalities === undefined || f.maxModalities >= f.minModalities), `${f.name}: modality range`);
    const parsed = f.options.safeParse({});
    assert.ok(parsed.success, `${f.name}: {} parses to the defaults`);
    assert.deepEqual(Object.keys(parsed.data as object).sort(), [...f.optionNames].filter((n) => (parsed.data as Record<string, unknown>)[n] !== undefined).sort(), `${f.name}: option names`);
    assert.ok(!f.options.safeParse({ notAnOption: 1 }).success, `${f.name}: unknown options are refused`);
  }
  assert.deepEqual(getFusion('cross-attention').maxModalities, 2);
  assert.ok(getFusion('cross-attention').needsSequences);
  assert.deepEqual(listFusions().filter((f) => f.equalWidths).map((f) => f.name), ['sum', 'product']);
});
