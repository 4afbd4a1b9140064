import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { layoutMismatch, packParams, shapeSize, unpackParams } from './tensors.js';

const layout = [
  { name: 'kernel', shape: [2, 3] },
  { name: 'bias', shape: [3] },
  { name: 'scale', shape: [] },
];
const flat = Float32Array.from({ length: 10 }, (_, i) => i + 0.5);

describe('shapeSize', () => {
  it('multiplies the dimensions; a scalar has one element', () => {
    assert.equal(shapeSize([2, 3, 4]), 24);
    assert.equal(shapeSize([]), 1);
    assert.equal(shapeSize([5, 0]), 0);
  });
});

describe('packParams', () => {
  it('splits a flat array into views in layout order', () => {
    const tensors = packParams(layout, flat);

    assert.deepEqual(
      tensors.map((t) => [t.name, t.shape, Array.from(t.values)]),
      [
        ['kernel', [2, 3], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]],
        ['bias', [3], [6.5, 7.5, 8.5]],
        ['scale', [], [9.5]],
      ],
    );
    assert.equal(tensors[1].values.buffer, flat.buffer);
  });

  it('refuses a flat array of the wrong size', () => {
    assert.throws(() => packParams(layout, new Float32Array(9)), errorLike(ShapeMismatchError, /the layout has 10 parameters but 9 values were given/));
  });
});

describe('unpackParams', () => {
  it('inverts packParams, as a view when the tensors are contiguous', () => {
    const back = unpackParams(packParams(layout, flat), layout);

    assert.deepEqual(back, flat);
    assert.equal(back.buffer, flat.buffer);
  });

  it('copies when the tensors are not contiguous', () => {
    const tensors = packParams(layout, flat).map((t) => ({ ...t, values: t.values.slice() }));

    const back = unpackParams(tensors, layout);

    assert.deepEqual(back, flat);
    assert.notEqual(back.buffer, tensors[0].values.buffer);
  });

  it('refuses wrong names, order, count and shapes, naming the tensor', () => {
    const tensors = packParams(layout, flat);
    const swapped = [tensors[1], tensors[0], tensors[2]];
    const reshaped = [{ ...tensors[0], shape: [3, 2] }, tensors[1], tensors[2]];

    assert.throws(() => unpackParams(swapped, layout), errorLike(ProtocolError, /parameters\[0\] is named 'bias' but the model expects 'kernel'/));
    assert.throws(() => unpackParams(reshaped, layout), errorLike(ProtocolError, /parameters 'kernel' has shape \[3, 2\] but the model expects \[2, 3\]/));
    assert.throws(() => unpackParams(tensors.slice(0, 2), layout), errorLike(ProtocolError, /2 tensors but the model has 3; the first missing is 'scale'/));
  });
});

describe('layoutMismatch', () => {
  it('tells names from shapes, and returns undefined on a match', () => {
    const tensors = packParams(layout, flat);

    assert.equal(layoutMismatch(tensors, layout), undefined);
    assert.equal(layoutMismatch([...tensors, tensors[0]], layout)?.kind, 'names');
    assert.equal(layoutMismatch([{ ...tensors[0], values: new Float32Array(5) }, tensors[1], tensors[2]], layout)?.kind, 'shape');
  });
});
