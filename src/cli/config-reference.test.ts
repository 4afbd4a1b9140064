/**
 * The config reference: docs/config-reference.md is what the generator writes today (else
 * regenerate it), every field of every mode has a description, and the generator reads types,
 * defaults, allowed values and doc comments from a schema it has never seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { tempDirFactory } from '../engine/testing.js';
import { configReference } from './config-reference.js';
import { CONFIG_MODES, generateConfigReference, REGENERATE_COMMAND } from './config-reference-sources.js';
import { fieldDoc, readSchemaDocs } from './schema-docs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tempDir = tempDirFactory('jointly-config-reference-');

test('docs/config-reference.md is up to date with the schemas and their doc comments', () => {
  const { markdown } = generateConfigReference(join(ROOT, 'src'));

  const checkedIn = readFileSync(join(ROOT, 'docs', 'config-reference.md'), 'utf8');

  assert.ok(checkedIn === markdown, `docs/config-reference.md is out of date: run npm run build && ${REGENERATE_COMMAND}`);
});

test('every field of every mode has a description', () => {
  const { markdown, missing } = generateConfigReference(join(ROOT, 'src'));

  assert.deepEqual(missing, [], `fields without a doc comment (add /** ... */ above each in its schema):\n${missing.join('\n')}`);
  for (const m of CONFIG_MODES) assert.ok(markdown.includes(`## mode ${m.mode}\n`), m.mode);
});

test('the reference covers the nested sections of the federated config and the options of registered methods', () => {
  const { markdown } = generateConfigReference(join(ROOT, 'src'));

  for (const path of ['server.port', 'bounds.onNormExceeded', 'simulation.clients', 'sampling.minFit', 'strategy(name="fedprox").proximalMu', 'method(name="dml").temperature', 'data.labelNoise.rate']) {
    assert.ok(markdown.includes(`| \`${path}\` |`), `${path} is listed`);
  }
  assert.match(markdown, /\| `server\.port` \| integer \| `8765` \| ≥ 0, ≤ 65535 \| TCP port; 0 picks a free one/);
});

test('a schema the generator has never seen: types, defaults, allowed values, variants, doc comments from its source', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'src'));
  writeFileSync(
    join(dir, 'src', 'toy.ts'),
    `const Toy = z.object({
  /** How many. */
  count: z.number().int().min(1).default(3),
  /** Which kind. */
  kind: z.enum(['a', 'b']),
  nested: z.object({
    /** Deep flag. */
    deep: z.boolean().optional(),
  }),
  /** One of two shapes. */
  shape: z.discriminatedUnion('name', [
    z.object({
      name: z.literal('x'),
      /** Size of x. */
      size: z.number(),
    }),
    z.object({ name: z.literal('y') }),
  ]),
});`,
  );
  const toy = z.object({
    count: z.number().int().min(1).default(3),
    kind: z.enum(['a', 'b']),
    nested: z.object({ deep: z.boolean().optional() }),
    shape: z.discriminatedUnion('name', [z.object({ name: z.literal('x'), size: z.number() }), z.object({ name: z.literal('y') })]),
  });
  const index = readSchemaDocs(join(dir, 'src'));

  const { markdown, missing } = configReference([{ mode: 'toy', title: 'a toy', commands: '`toy`', schema: toy }], { doc: (keys, key) => fieldDoc(index, keys, key), command: 'regenerate' });

  assert.match(markdown, /\| `count` \| integer \| `3` \| ≥ 1 \| How many\. \|/);
  assert.match(markdown, /\| `kind` \| string \| required \| "a" \\\| "b" \| Which kind\. \|/);
  assert.match(markdown, /\| `nested\.deep` \| boolean \| none \| {2}\| Deep flag\. \|/);
  assert.match(markdown, /\| `shape\(name="x"\)\.size` \| number \| required \| {2}\| Size of x\. \|/);
  assert.match(markdown, /\| `shape` \| object \| required \| by `name`: "x", "y" \| One of two shapes\. \|/);
  assert.deepEqual(missing, ['nested'], 'the one field without a doc comment');
});
