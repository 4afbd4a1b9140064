import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRng } from '../../engine/random.js';
import { makeDataset, type Dataset } from '../dataset.js';
import { DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_CLASS_NAMES } from '../files/fashion-mnist.js';
import {
  IMAGE_DESCRIPTION_TEMPLATES,
  IMAGE_DESCRIPTIONS_DEFINITION,
  degradeImage,
  fillTemplate,
  imageDescriptionVocabulary,
  imageDescriptions,
  imageDescriptionsSplit,
  zeroShotPrompts,
} from './image-descriptions.js';
import { loadImageDescriptions } from './image-descriptions-load.js';
import { ConfigError } from '../../errors.js';

/** `perClass` random 28x28 images for each of the 10 classes, in class order repeated. */
function fakeFashion(perClass: number, seed: number): Dataset {
  const n = perClass * 10;
  const rng = createRng(seed);
  const features = Float32Array.from({ length: n * 784 }, () => rng.next());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return makeDataset({ features, sampleShape: [28, 28, 1], labels, numClasses: 10, classNames: FASHION_MNIST_CLASS_NAMES }, 'fake');
}

const texts = (s: ReturnType<typeof imageDescriptionsSplit>): readonly string[] => (s.dataset.modalities.text.kind === 'text' ? s.dataset.modalities.text.texts : []);
const pixels = (s: ReturnType<typeof imageDescriptionsSplit>): Float32Array => (s.dataset.modalities.image.kind === 'image' ? s.dataset.modalities.image.values : new Float32Array());

test('fillTemplate picks the article of the next word; prompts use the vocabulary', () => {
  assert.equal(fillTemplate('{art} {adj} {noun} {detail}', 'old', 'coat', 'for the winter'), 'an old coat for the winter');
  assert.equal(fillTemplate('this is {art} {noun} {detail}', 'grey', 'ankle boot', 'with a side zip'), 'this is an ankle boot with a side zip');
  const prompts = zeroShotPrompts();
  assert.equal(prompts.length, 10);
  assert.equal(prompts[5], 'a photo of a sandal');
  assert.equal(prompts[9], 'a photo of an ankle boot');
  const vocab = new Set(imageDescriptionVocabulary());
  for (const p of prompts) for (const w of p.match(/[a-z][a-z-]*/g) ?? []) assert.ok(vocab.has(w), `prompt word ${w} not in the vocabulary`);
  assert.ok(IMAGE_DESCRIPTIONS_DEFINITION.includes('synthetic'));
});

test('degradeImage: blur keeps a constant image, occlusion zeroes a 14x14 square, noise only brightens up to 1', () => {
  const rng = createRng(1);
  const flat = new Float32Array(784).fill(0.5);
  degradeImage(flat, 'blur', rng);
  assert.ok(flat.every((v) => Math.abs(v - 0.5) < 1e-6));
  const ones = new Float32Array(784).fill(1);
  degradeImage(ones, 'occlusion', rng);
  assert.equal(ones.filter((v) => v === 0).length, 196);
  const img = Float32Array.from({ length: 784 }, (_, k) => (k % 7) / 7);
  const before = img.slice();
  degradeImage(img, 'noise', rng);
  img.forEach((v, k) => assert.ok(v >= before[k] - 1e-7 && v <= 1));
});

test('deterministic per seed; the degraded fraction is exact; undegraded images are the source images', () => {
  const images = fakeFashion(30, 2);
  const a = imageDescriptionsSplit(images, 'train', { seed: 5 });
  const b = imageDescriptionsSplit(images, 'train', { seed: 5 });
  const c = imageDescriptionsSplit(images, 'train', { seed: 6 });
  assert.deepEqual(texts(a), texts(b));
  assert.deepEqual(pixels(a), pixels(b));
  assert.notDeepEqual(texts(a), texts(c));
  assert.equal(a.degradation.filter((d) => d !== 0).length, Math.round(0.3 * 300));
  const kinds = new Set(a.degradation);
  assert.deepEqual([...kinds].sort(), [0, 1, 2, 3]);
  for (let i = 0; i < 300; i++) {
    if (a.degradation[i] !== 0) continue;
    const j = a.sourceIndex[i];
    assert.deepEqual(pixels(a).subarray(i * 784, (i + 1) * 784), images.features.subarray(j * 784, (j + 1) * 784));
  }
  for (const f of [0, 0.1, 1]) {
    const s = imageDescriptionsSplit(images, 'test', { degradedFraction: f });
    assert.equal(s.degradation.filter((d) => d !== 0).length, Math.round(f * 300));
  }
  assert.throws(() => imageDescriptionsSplit(images, 'train', { degradedFraction: 1.5 }), ConfigError);
});

test('ambiguous descriptions are shared by the classes of each documented group, and only there', () => {
  const images = fakeFashion(150, 3);
  const s = imageDescriptionsSplit(images, 'train', { seed: 0 });
  const t = texts(s);
  assert.ok(t.every((x) => x.trim().length > 0));
  const labels = s.dataset.labels;
  for (const group of IMAGE_DESCRIPTION_TEMPLATES.groups) {
    const members = Array.from(labels.keys()).filter((i) => group.classes.includes(labels[i]));
    assert.equal(members.filter((i) => s.ambiguous[i] === 1).length, Math.round(0.5 * members.length), group.name);
    // every pair of classes in the group has some identical ambiguous description
    for (let x = 0; x < group.classes.length; x++) {
      for (let y = x + 1; y < group.classes.length; y++) {
        const of = (c: number): Set<string> => new Set(members.filter((i) => labels[i] === c && s.ambiguous[i] === 1).map((i) => t[i]));
        const shared = [...of(group.classes[x])].filter((d) => of(group.classes[y]).has(d));
        assert.ok(shared.length > 0, `${group.name}: classes ${group.classes[x]} and ${group.classes[y]} share no description`);
      }
    }
  }
  // trousers and bags are never ambiguous; a specific description names one of its class's nouns
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1 || labels[i] === 8) assert.equal(s.ambiguous[i], 0);
    const own = IMAGE_DESCRIPTION_TEMPLATES.classes[labels[i]].nouns;
    if (s.ambiguous[i] === 0) assert.ok(own.some((noun) => t[i].includes(noun)), `"${t[i]}" names no ${FASHION_MNIST_CLASS_NAMES[labels[i]]} noun`);
    else assert.ok(!own.some((noun) => new RegExp(`\\b${noun}\\b`).test(t[i])), `ambiguous "${t[i]}" names its class`);
  }
});

test('maxTrain and maxTest give seeded class-stratified subsets', () => {
  const images = { train: fakeFashion(20, 4), test: fakeFashion(10, 5) };
  const { train, test: testSplit } = imageDescriptions(images, { maxTrain: 100, maxTest: 50, seed: 1 });
  assert.equal(train.dataset.length, 100);
  assert.equal(testSplit.dataset.length, 50);
  const counts = new Array<number>(10).fill(0);
  for (const y of train.dataset.labels) counts[y]++;
  assert.deepEqual(counts, new Array<number>(10).fill(10));
  assert.deepEqual(train.sourceIndex, imageDescriptions(images, { maxTrain: 100, maxTest: 50, seed: 1 }).train.sourceIndex);
});

test('on Fashion-MNIST: images [28, 28, 1] with texts, class names kept', { skip: !existsSync(DEFAULT_FASHION_MNIST_DIR) && 'Fashion-MNIST is not installed' }, () => {
  const { train, test: testSplit } = loadImageDescriptions({ maxTrain: 500, maxTest: 200 });
  assert.equal(train.dataset.length, 500);
  assert.equal(testSplit.dataset.length, 200);
  const image = train.dataset.modalities.image;
  assert.ok(image.kind === 'image');
  assert.deepEqual(image.shape, [28, 28, 1]);
  assert.deepEqual(train.dataset.classNames, FASHION_MNIST_CLASS_NAMES);
  assert.ok(texts(train).every((x) => x.length > 0));
  assert.equal(train.degradation.filter((d) => d !== 0).length, 150);
});
