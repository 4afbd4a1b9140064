/**
 * Images with descriptions, the seed's case, SYNTHETIC: Fashion-MNIST images (28x28 grey, 10
 * classes) paired with short descriptions generated from per-class attribute templates, built so
 * that neither modality alone separates every class. Pure (the images come in as Datasets; see
 * image-descriptions-load.ts for the Fashion-MNIST files).
 *
 * The generator, its templates and its seed are the dataset's definition
 * (`IMAGE_DESCRIPTIONS_DEFINITION` says it in one string, `IMAGE_DESCRIPTION_TEMPLATES` holds the
 * vocabulary):
 * - Text. Each description is one of `templates` filled with a neutral adjective (shared by all
 *   classes), a noun and a detail. The noun and detail come from the class's own lists, except
 *   for the *ambiguous* samples: in the classes of an ambiguity group (tops: T-shirt/top,
 *   Pullover, Shirt; shoes: Sandal, Sneaker, Ankle boot; long garments: Dress, Coat), exactly
 *   round(ambiguousFraction x n) of the group's samples (default 0.5, chosen by a seeded
 *   permutation) draw them from the group's shared lists ("a top with sleeves", "a shoe", "a long
 *   garment"), so their text says nothing beyond the group. Trouser and Bag are never ambiguous.
 * - Image. Exactly round(degradedFraction x n) samples of a split (default 0.3, seeded
 *   permutation) are degraded, each by one of three kinds drawn uniformly: `blur` (a 5x5 box blur
 *   applied twice), `occlusion` (a 14x14 square at a uniform position, top-left in [0, 14]², set
 *   to 0), `noise` (uniform noise in [0, 1) added, clipped at 1).
 * - Randomness: split s ('train' or 'test') uses mulberry32 streams seeded with
 *   deriveSeed(seed, `image-descriptions/<s>/<purpose>`) for purposes `subset` (the seeded
 *   class-stratified `maxTrain`/`maxTest` subsets), `ambiguous`, `degrade`, `text`; default seed 0.
 * So text alone cannot tell apart the classes of a group for half their samples, and the image
 * alone fails on degraded samples (and on shirts vs T-shirts vs pullovers, as Fashion-MNIST always
 * does): fusing helps. `zeroShotPrompts()` gives one prompt per class in the templates'
 * vocabulary ("a photo of a sandal") for zero-shot classification and retrieval.
 */
import { ConfigError, DataMalformedError } from '../../errors.js';
import { createRng, deriveSeed, permutation, type Rng } from '../../engine/random.js';
import type { Dataset } from '../dataset.js';
import { stratifiedSplit } from '../split.js';
import { checkMultimodalDataset, type MultimodalDataset } from '../../multimodal/modality.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The vocabulary of one class or one ambiguity group. */
export interface DescriptionVocabulary {
  readonly nouns: readonly string[];
  readonly details: readonly string[];
}

export interface AmbiguityGroup extends DescriptionVocabulary {
  readonly name: string;
  /** The Fashion-MNIST classes whose ambiguous samples share this vocabulary. */
  readonly classes: readonly number[];
}

/** The templates and vocabulary of the descriptions: part of the dataset's definition. */
export const IMAGE_DESCRIPTION_TEMPLATES = {
  /** `{art}` is 'a' or 'an' for the word after it. */
  templates: ['{art} {adj} {noun} {detail}', 'a photo of {art} {adj} {noun}, {detail}', '{adj} {noun} {detail}', 'this is {art} {noun} {detail}'],
  /** Shared by every class: they carry no class information. */
  adjectives: ['black', 'white', 'grey', 'dark', 'light', 'plain', 'patterned', 'striped', 'new', 'worn', 'simple', 'classic'],
  /** Per Fashion-MNIST class, in class order. */
  classes: [
    { nouns: ['t-shirt', 'tee', 'crew-neck t-shirt'], details: ['with short sleeves', 'with a round neck', 'made of light cotton', 'with a printed logo'] },
    { nouns: ['pair of trousers', 'pair of jeans', 'pair of slacks'], details: ['with a straight cut', 'with belt loops', 'cut long to the ankle', 'with a zip fly'] },
    { nouns: ['pullover', 'sweater', 'jumper'], details: ['knitted from wool', 'with ribbed cuffs', 'to pull over the head', 'for cold days'] },
    { nouns: ['dress', 'summer dress', 'gown'], details: ['with a flared skirt', 'that reaches the knee', 'with thin shoulder straps', 'for an evening out'] },
    { nouns: ['coat', 'jacket', 'parka'], details: ['with a zip at the front', 'with a collar and buttons', 'for the winter', 'with deep pockets'] },
    { nouns: ['sandal', 'strappy sandal', 'flip-flop'], details: ['with open toes', 'with thin straps', 'for the beach', 'with a low heel'] },
    { nouns: ['shirt', 'blouse', 'button-down shirt'], details: ['with a pointed collar', 'with buttons down the front', 'with a chest pocket', 'for the office'] },
    { nouns: ['sneaker', 'trainer', 'running shoe'], details: ['with laces', 'with a rubber sole', 'for running', 'low at the ankle'] },
    { nouns: ['bag', 'handbag', 'tote bag'], details: ['with a handle', 'with a shoulder strap', 'with a zip on top', 'to carry things'] },
    { nouns: ['ankle boot', 'boot', 'chelsea boot'], details: ['that covers the ankle', 'with a block heel', 'with a side zip', 'for rainy days'] },
  ] as readonly DescriptionVocabulary[],
  /** Classes whose ambiguous samples share one vocabulary. */
  groups: [
    { name: 'top', classes: [0, 2, 6], nouns: ['top with sleeves', 'top', 'piece of clothing for the upper body'], details: ['to wear every day', 'that goes with anything', 'in a regular fit', 'in a common style'] },
    { name: 'shoe', classes: [5, 7, 9], nouns: ['shoe', 'piece of footwear', 'pair of shoes'], details: ['to wear on the feet', 'for everyday wear', 'in a common style', 'that fits well'] },
    { name: 'long garment', classes: [3, 4], nouns: ['long garment', 'long piece of clothing', 'garment'], details: ['to wear outside', 'that covers the body', 'in a common style', 'that fits well'] },
  ] as readonly AmbiguityGroup[],
  /** The noun of each class's zero-shot prompt ("a photo of a <noun>"), from its own nouns. */
  promptNouns: ['t-shirt', 'pair of trousers', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'],
} as const;

export const IMAGE_DESCRIPTION_DEGRADATIONS = ['none', 'blur', 'occlusion', 'noise'] as const;
export type ImageDegradation = (typeof IMAGE_DESCRIPTION_DEGRADATIONS)[number];

export const DEFAULT_DEGRADED_FRACTION = 0.3;
export const DEFAULT_AMBIGUOUS_FRACTION = 0.5;

/** The dataset's definition in one string (for reports and the README). */
export const IMAGE_DESCRIPTIONS_DEFINITION = [
  'Images with descriptions (synthetic): Fashion-MNIST images paired with generated descriptions.',
  `Text: template (${IMAGE_DESCRIPTION_TEMPLATES.templates.map((t) => `"${t}"`).join(', ')}) filled with a neutral adjective (${IMAGE_DESCRIPTION_TEMPLATES.adjectives.join(', ')}), a noun and a detail of the class;`,
  `for round(ambiguousFraction·n) (default ${DEFAULT_AMBIGUOUS_FRACTION}) of the samples of each ambiguity group (${IMAGE_DESCRIPTION_TEMPLATES.groups.map((g) => `${g.name}: classes ${g.classes.join('/')}`).join('; ')}) the noun and detail come from the group's shared lists instead.`,
  `Images: round(degradedFraction·n) (default ${DEFAULT_DEGRADED_FRACTION}) samples degraded by blur (5x5 box blur twice), occlusion (a 14x14 zero square) or noise (+U[0,1), clipped), drawn uniformly.`,
  'Seeds: mulberry32 streams deriveSeed(seed, "image-descriptions/<train|test>/<subset|ambiguous|degrade|text>"), default seed 0.',
].join(' ');

/** One prompt per class, in class order, in the templates' vocabulary: "a photo of a sandal". */
export function zeroShotPrompts(): string[] {
  return IMAGE_DESCRIPTION_TEMPLATES.promptNouns.map((noun) => `a photo of ${article(noun)} ${noun}`);
}

/** Every word the descriptions and prompts can use, sorted (lower case; hyphenated words whole). */
export function imageDescriptionVocabulary(): string[] {
  const t = IMAGE_DESCRIPTION_TEMPLATES;
  const phrases = [
    ...t.templates.map((s) => s.replace(/\{[a-z]+\}/g, ' ')),
    ...t.adjectives,
    ...t.classes.flatMap((c) => [...c.nouns, ...c.details]),
    ...t.groups.flatMap((g) => [...g.nouns, ...g.details]),
    'a an',
  ];
  return [...new Set(phrases.flatMap((p) => p.toLowerCase().match(/[a-z][a-z-]*/g) ?? []))].sort();
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** Fills a template; `{art}` becomes the article of the word after it. */
export function fillTemplate(template: string, adj: string, noun: string, detail: string): string {
  const filled = template.replace('{adj}', adj).replace('{noun}', noun).replace('{detail}', detail);
  return filled.replace(/\{art\} (\S+)/g, (_, next: string) => `${article(next)} ${next}`).trim();
}

function pick<T>(items: readonly T[], rng: Rng): T {
  return items[rng.int(items.length)];
}

/** 5x5 box blur (edges clamped) of one 28x28 image, in place. */
function boxBlur(img: Float32Array): void {
  const tmp = new Float32Array(PIXELS);
  const clamp = (v: number): number => (v < 0 ? 0 : v >= SIDE ? SIDE - 1 : v);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let s = 0;
      for (let d = -2; d <= 2; d++) s += img[r * SIDE + clamp(c + d)];
      tmp[r * SIDE + c] = s / 5;
    }
  }
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let s = 0;
      for (let d = -2; d <= 2; d++) s += tmp[clamp(r + d) * SIDE + c];
      img[r * SIDE + c] = s / 5;
    }
  }
}

/** Degrades one 28x28 image (values in [0, 1]) in place. */
export function degradeImage(img: Float32Array, kind: ImageDegradation, rng: Rng): void {
  switch (kind) {
    case 'none':
      return;
    case 'blur':
      boxBlur(img);
      boxBlur(img);
      return;
    case 'occlusion': {
      const top = rng.int(SIDE - 14 + 1);
      const left = rng.int(SIDE - 14 + 1);
      for (let r = top; r < top + 14; r++) img.fill(0, r * SIDE + left, r * SIDE + left + 14);
      return;
    }
    case 'noise':
      for (let k = 0; k < PIXELS; k++) img[k] = Math.min(img[k] + rng.next(), 1);
      return;
  }
}

export interface ImageDescriptionsOptions {
  /** Seed of every random choice (derived per split and purpose); default 0. */
  seed?: number;
  /** Fraction of each split's images that are degraded, in [0, 1]; default 0.3. */
  degradedFraction?: number;
  /** Fraction of each ambiguity group's samples whose description is the group's, in [0, 1]; default 0.5. */
  ambiguousFraction?: number;
  /** Use at most this many training images: a seeded class-stratified subset; default all. */
  maxTrain?: number;
  /** Use at most this many test images: a seeded class-stratified subset; default all. */
  maxTest?: number;
}

/** One split of the dataset and what the generator did to each sample. */
export interface ImageDescriptionsSplit {
  /** Modalities `image` ([28, 28, 1], values in [0, 1]) and `text`. */
  readonly dataset: MultimodalDataset;
  /** Index of each sample's image in the source split. */
  readonly sourceIndex: Int32Array;
  /** 1 where the description is the ambiguity group's. */
  readonly ambiguous: Uint8Array;
  /** Index into IMAGE_DESCRIPTION_DEGRADATIONS of each image's degradation (0 none). */
  readonly degradation: Uint8Array;
}

function checkFraction(name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new ConfigError(name, `must be in [0, 1], got ${v}`);
  return v;
}

/** The first round(fraction·n) entries of a seeded permutation of `indices`, as a 0/1 mask over `n` samples. */
function exactFractionMask(indices: readonly number[], n: number, fraction: number, rng: Rng): Uint8Array {
  const mask = new Uint8Array(n);
  const order = permutation(indices.length, rng);
  const count = Math.round(fraction * indices.length);
  for (let k = 0; k < count; k++) mask[indices[order[k]]] = 1;
  return mask;
}

/**
 * Builds one split from Fashion-MNIST images (`images`: 28x28 grey, features in [0, 1], 10
 * classes); `split` names the random streams ('train' or 'test').
 */
export function imageDescriptionsSplit(images: Dataset, split: 'train' | 'test', opts: ImageDescriptionsOptions = {}): ImageDescriptionsSplit {
  const source = `image descriptions (${split})`;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new ConfigError('seed', `must be a non-negative integer, got ${seed}`);
  const degradedFraction = checkFraction('degradedFraction', opts.degradedFraction ?? DEFAULT_DEGRADED_FRACTION);
  const ambiguousFraction = checkFraction('ambiguousFraction', opts.ambiguousFraction ?? DEFAULT_AMBIGUOUS_FRACTION);
  const max = split === 'train' ? opts.maxTrain : opts.maxTest;
  const maxName = split === 'train' ? 'maxTrain' : 'maxTest';
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new ConfigError(maxName, `must be a positive integer, got ${max}`);
  if (images.sampleShape.reduce((a, b) => a * b, 1) !== PIXELS || images.numClasses !== 10) {
    throw new DataMalformedError(`${source}: needs Fashion-MNIST (28x28 grey images, 10 classes), got samples of shape [${images.sampleShape.join(', ')}] in ${images.numClasses} classes`, 'use loadFashionMnist()');
  }
  const stream = (purpose: string): Rng => createRng(deriveSeed(seed, `image-descriptions/${split}/${purpose}`));
  const total = images.labels.length;
  let sourceIndex: Int32Array;
  if (max === undefined || max >= total) sourceIndex = Int32Array.from({ length: total }, (_, i) => i);
  else {
    const [, kept] = stratifiedSplit(images.labels, images.numClasses, { fraction: max / total, seed: deriveSeed(seed, `image-descriptions/${split}/subset`) });
    sourceIndex = kept.slice().sort();
  }
  const n = sourceIndex.length;
  const labels = Int32Array.from(sourceIndex, (j) => images.labels[j]);
  const t = IMAGE_DESCRIPTION_TEMPLATES;
  const groupOf = new Int32Array(10).fill(-1);
  t.groups.forEach((g, gi) => g.classes.forEach((c) => (groupOf[c] = gi)));
  // ambiguous: exactly round(f·m) of each group's m samples
  const ambiguousRng = stream('ambiguous');
  const ambiguous = new Uint8Array(n);
  t.groups.forEach((_, gi) => {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (groupOf[labels[i]] === gi) members.push(i);
    exactFractionMask(members, n, ambiguousFraction, ambiguousRng).forEach((v, i) => {
      if (v === 1) ambiguous[i] = 1;
    });
  });
  // degraded: exactly round(f·n) samples, each of a uniform kind
  const degradeRng = stream('degrade');
  const degradedMask = exactFractionMask(Array.from({ length: n }, (_, i) => i), n, degradedFraction, degradeRng);
  const degradation = new Uint8Array(n);
  const values = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    const img = values.subarray(i * PIXELS, (i + 1) * PIXELS);
    img.set(images.features.subarray(sourceIndex[i] * PIXELS, (sourceIndex[i] + 1) * PIXELS));
    if (degradedMask[i] === 1) {
      degradation[i] = 1 + degradeRng.int(3);
      degradeImage(img, IMAGE_DESCRIPTION_DEGRADATIONS[degradation[i]], degradeRng);
    }
  }
  const textRng = stream('text');
  const texts = Array.from({ length: n }, (_, i) => {
    const vocab = ambiguous[i] === 1 ? t.groups[groupOf[labels[i]]] : t.classes[labels[i]];
    const template = pick(t.templates, textRng);
    const adj = pick(t.adjectives, textRng);
    return fillTemplate(template, adj, pick(vocab.nouns, textRng), pick(vocab.details, textRng));
  });
  const dataset = checkMultimodalDataset(
    {
      length: n,
      modalities: { image: { kind: 'image', values, shape: [SIDE, SIDE, 1] }, text: { kind: 'text', texts } },
      labels,
      numClasses: 10,
      ...(images.classNames === undefined ? {} : { classNames: images.classNames }),
    },
    source,
  );
  return { dataset, sourceIndex, ambiguous, degradation };
}

/** Both splits from the Fashion-MNIST training and test images. */
export function imageDescriptions(images: { train: Dataset; test: Dataset }, opts: ImageDescriptionsOptions = {}): { train: ImageDescriptionsSplit; test: ImageDescriptionsSplit } {
  return { train: imageDescriptionsSplit(images.train, 'train', opts), test: imageDescriptionsSplit(images.test, 'test', opts) };
}
