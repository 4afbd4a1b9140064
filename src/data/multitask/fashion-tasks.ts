/**
 * Fashion-MNIST with derived tasks, for multi-task and missing-label experiments. Pure: one
 * classification `Dataset` in, a `FieldDataset` out.
 *
 * - `class`: the 10 Fashion-MNIST classes, with their names;
 * - `category`: 4 coarse classes, tops (T-shirt/top, Pullover, Dress, Coat, Shirt), bottoms
 *   (Trouser), footwear (Sandal, Sneaker, Ankle boot) and bags (Bag);
 * - `footwear`: binary, 1 for Sandal, Sneaker and Ankle boot (30% of the samples).
 *
 * Every derived task is a function of the class, so none adds information the class does not
 * carry; what they change is the difficulty and the granularity of the supervision, which is what
 * multi-task and missing-label experiments vary (e.g. many `category` labels, few `class` labels).
 * `footwear` is kept as the binary task (rather than, say, "has long sleeves") because it is
 * unambiguous from the official class definitions and reasonably balanced (30/70).
 */
import { DataMalformedError } from '../../errors.js';
import type { Dataset } from '../dataset.js';
import type { BinaryField, ClassesField, FieldDataset, FloatField } from '../fields.js';

/** Names of the derived tasks, in field order. */
export const FASHION_TASKS = ['class', 'category', 'footwear'] as const;

/** Class names of the `category` task, by index. */
export const FASHION_CATEGORY_NAMES: readonly string[] = ['tops', 'bottoms', 'footwear', 'bags'];

/**
 * Category index of each Fashion-MNIST class (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress,
 * 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot), into FASHION_CATEGORY_NAMES.
 */
export const FASHION_CATEGORY_OF_CLASS: readonly number[] = [0, 1, 0, 0, 0, 2, 0, 2, 3, 2];

const FOOTWEAR = FASHION_CATEGORY_NAMES.indexOf('footwear');

/**
 * The derived-task dataset of one Fashion-MNIST split: input `x` (the features as they are,
 * [28, 28, 1] in [0, 1] from `loadFashionMnist`, not copied) and the targets `class`,
 * `category` and `footwear`.
 */
export function fashionTaskFields(ds: Dataset): FieldDataset {
  if (ds.numClasses !== 10) {
    throw new DataMalformedError(`fashionTaskFields: the data has ${ds.numClasses} classes, Fashion-MNIST has 10`, 'pass a split of loadFashionMnist');
  }
  const n = ds.labels.length;
  const category = new Int32Array(n);
  const footwear = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    category[i] = FASHION_CATEGORY_OF_CLASS[ds.labels[i]];
    footwear[i] = category[i] === FOOTWEAR ? 1 : 0;
  }
  const x: FloatField = { kind: 'float', values: ds.features, shape: ds.sampleShape };
  const cls: ClassesField = { kind: 'classes', labels: ds.labels, numClasses: 10, ...(ds.classNames === undefined ? {} : { classNames: ds.classNames }) };
  const cat: ClassesField = { kind: 'classes', labels: category, numClasses: FASHION_CATEGORY_NAMES.length, classNames: FASHION_CATEGORY_NAMES };
  const foot: BinaryField = { kind: 'binary', values: footwear };
  return { length: n, fields: { x, class: cls, category: cat, footwear: foot } };
}
