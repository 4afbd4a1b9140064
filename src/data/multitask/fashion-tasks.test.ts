import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError } from '../../errors.js';
import type { Dataset } from '../dataset.js';
import { makeFieldDataset } from '../fields.js';
import { FASHION_MNIST_CLASS_NAMES } from '../files/fashion-mnist.js';
import { fashionTaskFields } from './fashion-tasks.js';

/** One sample of each Fashion-MNIST class, in class order; feature = class / 10. */
function oneOfEach(): Dataset {
  const labels = Int32Array.from({ length: 10 }, (_, c) => c);
  return { features: Float32Array.from(labels, (c) => c / 10), sampleShape: [1], labels, numClasses: 10, classNames: FASHION_MNIST_CLASS_NAMES };
}

test('fashionTaskFields maps every class to its category and footwear flag', () => {
  const ds = fashionTaskFields(oneOfEach());
  makeFieldDataset(ds.fields, 'test');

  const cls = ds.fields.class;
  const cat = ds.fields.category;
  const foot = ds.fields.footwear;
  assert.ok(cls.kind === 'classes' && cat.kind === 'classes' && foot.kind === 'binary');
  const names = (c: number): string => (cat.classNames ?? [])[cat.labels[c]];
  // By hand: T-shirt/top tops, Trouser bottoms, Pullover tops, Dress tops, Coat tops,
  // Sandal footwear, Shirt tops, Sneaker footwear, Bag bags, Ankle boot footwear.
  assert.deepEqual(
    Array.from({ length: 10 }, (_, c) => names(c)),
    ['tops', 'bottoms', 'tops', 'tops', 'tops', 'footwear', 'tops', 'footwear', 'bags', 'footwear'],
  );
  assert.deepEqual([...foot.values], [0, 0, 0, 0, 0, 1, 0, 1, 0, 1]);
  assert.deepEqual([...cls.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(cls.classNames?.[9], 'Ankle boot');
  assert.equal(cat.numClasses, 4);
});

test('fashionTaskFields keeps the input as it is, under the name x', () => {
  const src = oneOfEach();

  const ds = fashionTaskFields(src);

  assert.ok(ds.fields.x.kind === 'float');
  assert.equal(ds.fields.x.values, src.features);
  assert.deepEqual(Object.keys(ds.fields), ['x', 'class', 'category', 'footwear']);
});

test('fashionTaskFields refuses data that does not have 10 classes', () => {
  const ds: Dataset = { features: new Float32Array(2), sampleShape: [1], labels: Int32Array.from([0, 1]), numClasses: 2 };

  assert.throws(() => fashionTaskFields(ds), DataMalformedError);
});
