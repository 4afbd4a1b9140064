import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { JointlyError } from '../errors.js';
import { DataConfigSchema } from './config.js';
import { MISSING_CELL_HINT, TEXT_FEATURE_HINT } from './csv-encode.js';
import { readCsvDataset, type CsvOptions } from './csv.js';
import { readCsvTable } from './csv-table.js';

/** The hint of the error `f` throws. */
function hintOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof JointlyError) return e.hint ?? '';
    throw e;
  }
  assert.fail('expected an error');
}

/** Whether `data.a.b` names a field of DataConfigSchema (wrappers such as default/prefault/optional unwrapped). */
function isField(path: string[]): boolean {
  let schema: unknown = DataConfigSchema;
  for (const key of path) {
    for (let k = 0; k < 10; k++) {
      const def = (schema as { _zod: { def: { innerType?: unknown; in?: unknown } } })._zod.def;
      if ((schema as { shape?: unknown }).shape !== undefined) break;
      schema = def.innerType ?? def.in;
      if (schema === undefined) return false;
    }
    const shape = (schema as { shape?: Record<string, z.ZodType> }).shape;
    if (shape === undefined || !(key in shape)) return false;
    schema = shape[key];
  }
  return true;
}

const csv = (text: string, opts: CsvOptions = {}) => (): unknown => readCsvDataset(text, 't.csv', opts);

test('every data-loader hint names options that exist in the data config, written as data.<field>', () => {
  const hints = [
    TEXT_FEATURE_HINT,
    MISSING_CELL_HINT,
    hintOf(csv('a,color,y\n1,red,0\n2,blue,1\n')),
    hintOf(csv('a,y\nNA,0\n1,1\n')),
    hintOf(csv('a;b\n1;2\n', { delimiter: ',' })),
    hintOf(csv('3,2,no,yes\n1,2,0\n')),
    hintOf(() => readCsvTable('1,2\n', 't.csv', { header: 4 })),
    hintOf(csv('a,b,y\n1,2,0\n3,4,1\n', { featureColumns: ['a', 'y'] })),
    hintOf(csv('1,2,0\n3,4,1\n', { labelColumn: 'y', header: false })),
    hintOf(csv('a,y\n1,NA\n2,1\n')),
    hintOf(csv('a,y\n1,b\n2,b\n')),
    hintOf(csv('a,color,y\n1,red,0\n2,pink,1\n', { categorical: { encoding: 'index', levels: { color: ['red'] } } })),
  ];
  const named = hints.flatMap((h) => [...h.matchAll(/\bdata\.([A-Za-z]+(?:\.[A-Za-z]+)*)/g)].map((m) => m[1]));

  assert.ok(named.length >= 10, `hints name options: ${named.join(', ')}`);
  for (const field of named) assert.ok(isField(field.split('.')), `data.${field} is not a field of the data config`);
  // option names appear only as data.<field>, never bare ("pass the delimiter option")
  for (const h of hints) assert.doesNotMatch(h, /(?<!data\.)\b(labelColumn|featureColumns|delimiter|categorical|preprocess)\b/, h);
  assert.equal(isField(['nonsense']), false, 'the check can fail');
});
