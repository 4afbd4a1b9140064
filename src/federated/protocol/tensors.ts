/**
 * Named float32 tensors as they travel in a message, and the conversion between them and the
 * flat parameter array (plus layout) that strategies work on. Pure: no Node APIs, no tfjs.
 */
import { ProtocolError, ShapeMismatchError } from '../../errors.js';

/** One named tensor of a message. The wire format carries float32 only. */
export interface NamedTensor {
  /** Parameter name, e.g. `dense_Dense1/kernel` (without the wire prefix `param/`). */
  name: string;
  /** Dimensions; `[]` is a scalar. The product equals `values.length`. */
  shape: number[];
  /** The values, row-major. After decoding, usually a view on the received message's bytes. */
  values: Float32Array;
}

/** A name and a shape: what `ParamEntry` (engine/flat-params) provides for each parameter. */
export interface TensorSpec {
  /** Parameter name. */
  readonly name: string;
  /** Dimensions. */
  readonly shape: readonly number[];
}

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[2,3]` → `[2, 3]`, for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The first difference between some tensors and a layout: in the names (or count), or in a shape. */
export interface LayoutMismatch {
  /** `names`: a name, the order or the count differs; `shape`: a tensor's shape or size differs. */
  kind: 'names' | 'shape';
  /** What differs, naming the tensor and both sides. */
  reason: string;
}

/**
 * The first difference between `tensors` and `layout` (per position: name, then shape; then the
 * count), or undefined when they agree. `what` names the tensors in the reason.
 */
export function layoutMismatch(tensors: readonly NamedTensor[], layout: readonly TensorSpec[], what = 'parameters'): LayoutMismatch | undefined {
  const n = Math.min(tensors.length, layout.length);
  for (let i = 0; i < n; i++) {
    const t = tensors[i];
    const e = layout[i];
    if (t.name !== e.name) {
      return { kind: 'names', reason: `${what}[${i}] is named '${t.name}' but the model expects '${e.name}' there (same names in the same order are required)` };
    }
    const sameShape = t.shape.length === e.shape.length && t.shape.every((d, k) => d === e.shape[k]);
    if (!sameShape) return { kind: 'shape', reason: `${what} '${t.name}' has shape ${formatShape(t.shape)} but the model expects ${formatShape(e.shape)}` };
    if (t.values.length !== shapeSize(e.shape)) {
      return { kind: 'shape', reason: `${what} '${t.name}' has ${t.values.length} values for shape ${formatShape(e.shape)}` };
    }
  }
  if (tensors.length < layout.length) {
    return { kind: 'names', reason: `${what}: ${tensors.length} tensors but the model has ${layout.length}; the first missing is '${layout[tensors.length].name}'` };
  }
  if (tensors.length > layout.length) {
    return { kind: 'names', reason: `${what}: ${tensors.length} tensors but the model has ${layout.length}; the first extra is '${tensors[layout.length].name}'` };
  }
  return undefined;
}

/**
 * Splits a flat parameter array into named tensors following `layout`, in layout order. The
 * tensors are views on `values` (no copy). Throws ShapeMismatchError if the sizes disagree.
 */
export function packParams(layout: readonly TensorSpec[], values: Float32Array): NamedTensor[] {
  const total = layout.reduce((s, e) => s + shapeSize(e.shape), 0);
  if (total !== values.length) {
    throw new ShapeMismatchError(`the layout has ${total} parameters but ${values.length} values were given`, 'pack the flat array made for this layout (readParams of the same model)');
  }
  let offset = 0;
  return layout.map((e) => {
    const size = shapeSize(e.shape);
    const t = { name: e.name, shape: [...e.shape], values: values.subarray(offset, offset + size) };
    offset += size;
    return t;
  });
}

/**
 * Joins named tensors into one flat array in the order of `expectedLayout`, after checking that
 * the names, order and shapes match it exactly (ProtocolError naming the first difference
 * otherwise). When the tensors lie back to back in one buffer, as a decoded message's do, the
 * result is a view on it (no copy): do not modify it in place. Otherwise it is a new array.
 */
export function unpackParams(tensors: readonly NamedTensor[], expectedLayout: readonly TensorSpec[]): Float32Array {
  const mismatch = layoutMismatch(tensors, expectedLayout);
  if (mismatch !== undefined) throw new ProtocolError(mismatch.reason, 'the server and the client must build the same model');
  const total = tensors.reduce((s, t) => s + t.values.length, 0);
  if (tensors.length === 0) return new Float32Array(0);
  const first = tensors[0].values;
  let contiguous = true;
  for (let i = 1; i < tensors.length && contiguous; i++) {
    const prev = tensors[i - 1].values;
    const cur = tensors[i].values;
    contiguous = cur.buffer === first.buffer && cur.byteOffset === prev.byteOffset + prev.byteLength;
  }
  if (contiguous) return new Float32Array(first.buffer, first.byteOffset, total);
  const out = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.values, offset);
    offset += t.values.length;
  }
  return out;
}
