/**
 * The Float32Array behind a tfjs variable on a cpu-storage backend (cpu, native), to be updated in
 * place. A variable shares its buffer with every tensor cloned from it (tfjs counts them per
 * buffer); before the first in-place write such a buffer is replaced by a private copy, so a
 * snapshot someone took (`tf.clone(v)`, the tensor a variable was made from) keeps its values.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Backends whose tensors keep their values in JS typed arrays, a tensor made from a typed array
 * holding that very array: their variables can be written in place, a batch's tensors rewritten.
 */
export const TYPED_ARRAY_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'native']);

/** What the native step needs of a backend whose tensors live in JS typed arrays. */
interface TypedArrayStorage {
  refCount(dataId: object): number;
  readSync(dataId: object): unknown;
}

function storage(): TypedArrayStorage {
  return tf.engine().backend as unknown as TypedArrayStorage;
}

/** The values of `v`, owned by `v` alone, to read and write in place. */
export function ownedValues(v: tf.Variable): Float32Array {
  const backend = storage();
  if (backend.refCount(v.dataId) > 1) {
    const copy = Float32Array.from(backend.readSync(v.dataId) as Float32Array);
    tf.tidy(() => v.assign(tf.tensor(copy, v.shape, 'float32')));
  }
  const values = backend.readSync(v.dataId);
  if (!(values instanceof Float32Array)) throw new TypeError(`variable ${v.name} is not float32 data in JS memory`);
  return values;
}

/** The values of a float32 tensor, read without copying (do not write them). */
export function tensorValues(t: tf.Tensor): Float32Array {
  const values = tensorData(t);
  if (!(values instanceof Float32Array)) throw new TypeError(`a tensor of dtype ${t.dtype} is not float32 data in JS memory`);
  return values;
}

/** What a typed-array backend holds for a tensor (its values array, for float32 and int32 tensors), without copying; only on {@link TYPED_ARRAY_BACKENDS}. */
export function tensorData(t: tf.Tensor): unknown {
  return storage().readSync(t.dataId);
}
