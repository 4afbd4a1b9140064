/**
 * A dataset of fields in shared memory: every array copied once into a SharedArrayBuffer, so that
 * worker threads (or web workers, where cross-origin isolation allows SharedArrayBuffer) read the
 * same bytes without a copy per task. Posting the result to a worker shares it, never copies it.
 */
import type { Field, FieldDataset } from './fields.js';

/** A copy of a typed array in a new SharedArrayBuffer. */
export function sharedCopy<T extends Float32Array | Int32Array | Uint8Array>(values: T): T {
  const Ctor = values.constructor as { new (buffer: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

function shareField(field: Field): Field {
  const mask = 'mask' in field && field.mask !== undefined ? { mask: sharedCopy(field.mask) } : {};
  switch (field.kind) {
    case 'float':
      return { ...field, values: sharedCopy(field.values) };
    case 'tokens':
      return { ...field, ids: sharedCopy(field.ids), lengths: sharedCopy(field.lengths) };
    case 'classes':
      return { ...field, labels: sharedCopy(field.labels), ...mask };
    case 'binary':
    case 'multilabel':
    case 'regression':
      return { ...field, values: sharedCopy(field.values), ...mask };
  }
}

/** The dataset with every array in shared memory (one copy, made now). */
export function shareFields(ds: FieldDataset): FieldDataset {
  const fields: Record<string, Field> = {};
  for (const [name, field] of Object.entries(ds.fields)) fields[name] = shareField(field);
  return { length: ds.length, fields };
}
