/**
 * `tabular`: a table's numeric and categorical columns made into model fields, with every
 * statistic taken from the present samples of the training split only.
 *
 * Numeric columns are standardized with the training mean and population standard deviation
 * (signal/stats.ts: a constant column, or one with no value in training, gets std 1 and so
 * becomes zeros; a column with no value gets mean 0). A missing value (NaN) becomes 0 after
 * standardizing, i.e. the training mean (mean imputation), and with `missingIndicators` (default
 * on) each numeric column that had a missing value in training gets one more 0/1 column, 1 where
 * the value is missing (scikit-learn's SimpleImputer(add_indicator=True)). ±Infinity is refused.
 *
 * Categorical columns get a vocabulary each from the training values: the `maxCategories` most
 * frequent values seen at least `minCount` times (ties broken by the value's string order);
 * rarer values and values never seen in training map to the column's `unknown` id. '' is
 * missing: it gets an id of its own (`missingCategory: own`, the default), or the unknown id
 * (`unknown`). Ids are offset so that the whole table uses one id space, starting at 1 (0 is the
 * engine's padding id, never produced): column c holds ids [offset_c, offset_c + size_c) with
 * offset_0 = 1 and, inside a column, unknown first, then missing (own), then the vocabulary in
 * frequency order. `info.categorySizes[c]` is size_c.
 *
 * Fields: `<m>` float [numeric columns + indicator columns], and `<m>.cat` tokens
 * [categorical columns] (every length full). A table with no numeric column has no float field,
 * since the engine refuses zero-width features: its categorical ids are then the main field
 * `<m>` itself (tokens), and there is no `<m>.cat`. A missing sample (present = 0) has zeros
 * for every float value (indicators included) and each column's missing id as its categories:
 * a real id, not padding, so that an embedding of "this record is missing" can be learned.
 */
import { z } from 'zod';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { Field } from '../../data/fields.js';
import { modalityLength, type ModalityData, type TabularModality } from '../modality.js';
import type { FittedPreprocessor, ModalityInfo, RegisteredPreprocessor } from '../preprocessor.js';
import { ColumnStats } from '../signal/stats.js';

export const TabularPreprocessorOptionsSchema = z
  .object({
    /** Add a 0/1 missing-indicator column per numeric column that had a missing (NaN) value in training. Default true. */
    missingIndicators: z.boolean().default(true),
    /** Largest vocabulary of a categorical column (most frequent training values); the rest map to unknown. Default 100. */
    maxCategories: z.number().int().positive().default(100),
    /** A categorical value needs this many training occurrences to get an id of its own; rarer ones map to unknown. Default 1. */
    minCount: z.number().int().positive().default(1),
    /** What a missing categorical value ('') becomes: an id of its `own`, or the column's `unknown` id. Default `own`. */
    missingCategory: z.enum(['own', 'unknown']).default('own'),
  })
  .strict();
export type TabularPreprocessorOptions = z.infer<typeof TabularPreprocessorOptionsSchema>;

const StateSchema = z
  .object({
    numericNames: z.array(z.string()),
    mean: z.array(z.number().finite()),
    std: z.array(z.number().finite().positive()),
    /** Numeric columns (indices, ascending) that have a missing-indicator column. */
    indicators: z.array(z.number().int().nonnegative()),
    categoricalNames: z.array(z.string()),
    /** Per categorical column, its values in id order (after unknown and missing). */
    vocabularies: z.array(z.array(z.string().min(1))),
    missingCategory: z.enum(['own', 'unknown']),
  })
  .strict();
type TabularState = z.infer<typeof StateSchema>;

/** Field name of the categorical ids when the table also has numeric columns. */
export function categoricalField(name: string): string {
  return `${name}.cat`;
}

/** Checks a state's parts agree; returns the problem, or undefined. */
function stateProblem(s: TabularState): string | undefined {
  const nNum = s.numericNames.length;
  if (nNum + s.categoricalNames.length === 0) return 'it has neither numeric nor categorical columns';
  if (s.mean.length !== nNum || s.std.length !== nNum) return `${s.mean.length} means and ${s.std.length} stds for ${nNum} numeric columns`;
  if (s.indicators.some((c, i) => c >= nNum || (i > 0 && c <= s.indicators[i - 1]))) return 'its indicator columns are not ascending numeric column indices';
  if (s.vocabularies.length !== s.categoricalNames.length) return `${s.vocabularies.length} vocabularies for ${s.categoricalNames.length} categorical columns`;
  for (const [c, vocab] of s.vocabularies.entries()) if (new Set(vocab).size !== vocab.length) return `the vocabulary of column '${s.categoricalNames[c]}' repeats a value`;
  return undefined;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function fitted(name: string, s: TabularState): FittedPreprocessor {
  const nNum = s.numericNames.length;
  const nCat = s.categoricalNames.length;
  const width = nNum + s.indicators.length;
  const indicatorOf = new Int32Array(nNum).fill(-1);
  s.indicators.forEach((c, k) => (indicatorOf[c] = nNum + k));
  // Per column: its id offset, size, and the local ids of unknown (0) and missing.
  const base = s.missingCategory === 'own' ? 2 : 1;
  const missingLocal = s.missingCategory === 'own' ? 1 : 0;
  const sizes = s.vocabularies.map((v) => base + v.length);
  const offsets: number[] = [];
  let next = 1;
  for (const size of sizes) {
    offsets.push(next);
    next += size;
  }
  const vocabSize = next;
  const lookups = s.vocabularies.map((v) => new Map(v.map((value, j) => [value, base + j])));
  const catName = width > 0 ? categoricalField(name) : name;
  const fields = [...(width > 0 ? [name] : []), ...(nCat > 0 ? [catName] : [])];
  const shapes: Record<string, readonly number[]> = {};
  if (width > 0) shapes[name] = [width];
  if (nCat > 0) shapes[catName] = [nCat];
  const info: ModalityInfo = {
    kind: 'tabular',
    fields,
    shapes,
    ...(nCat > 0 ? { vocabSizes: { [catName]: vocabSize }, categorySizes: sizes } : {}),
  };
  return {
    info,
    state: () => structuredClone(s),
    transform(data: ModalityData, modality: string, present?: Uint8Array): Record<string, Field> {
      const table = checkTable(data, modality, 'fitted as a table');
      if (!sameNames(table.numericNames, s.numericNames) || !sameNames(table.categoricalNames, s.categoricalNames)) {
        throw new ShapeMismatchError(
          `tabular modality '${modality}' has numeric columns [${table.numericNames.join(', ')}] and categorical columns [${table.categoricalNames.join(', ')}], but it was fitted on [${s.numericNames.join(', ')}] and [${s.categoricalNames.join(', ')}]`,
          'give the columns the model was trained on, in the same order',
        );
      }
      const n = modalityLength(table);
      checkPresent(present, n, modality);
      const out: Record<string, Field> = {};
      if (width > 0) {
        const values = new Float32Array(n * width);
        for (let i = 0; i < n; i++) {
          if (present !== undefined && present[i] === 0) continue;
          for (let c = 0; c < nNum; c++) {
            const x = table.numeric[i * nNum + c];
            if (Number.isNaN(x)) {
              if (indicatorOf[c] >= 0) values[i * width + indicatorOf[c]] = 1;
            } else {
              values[i * width + c] = (x - s.mean[c]) / s.std[c];
            }
          }
        }
        out[name] = { kind: 'float', values, shape: [width] };
      }
      if (nCat > 0) {
        const ids = new Int32Array(n * nCat);
        for (let c = 0; c < nCat; c++) {
          const column = table.categorical[c];
          const lookup = lookups[c];
          for (let i = 0; i < n; i++) {
            const value = present !== undefined && present[i] === 0 ? '' : column[i];
            const local = value === '' ? missingLocal : (lookup.get(value) ?? 0);
            ids[i * nCat + c] = offsets[c] + local;
          }
        }
        out[catName] = { kind: 'tokens', ids, maxLength: nCat, lengths: new Int32Array(n).fill(nCat), vocabSize };
      }
      return out;
    },
  };
}

/** The data as a table with at least one column and no infinite value; `fittedAs` completes the kind-mismatch message. */
function checkTable(data: ModalityData, name: string, fittedAs: string): TabularModality {
  if (data.kind !== 'tabular') throw new ShapeMismatchError(`modality '${name}' is ${data.kind} data, but it was ${fittedAs}`, `use a ${data.kind} preprocessor for it, or give it tabular data`);
  if (data.numericNames.length + data.categoricalNames.length === 0) {
    throw new DataMalformedError(`tabular modality '${name}' has neither numeric nor categorical columns`, 'give the table at least one column, or leave the modality out');
  }
  if (data.categorical.length !== data.categoricalNames.length) {
    throw new DataMalformedError(`tabular modality '${name}' has ${data.categorical.length} categorical columns but ${data.categoricalNames.length} names`, 'give one name per categorical column');
  }
  const n = modalityLength(data);
  if (data.numeric.length !== n * data.numericNames.length) {
    throw new DataMalformedError(`tabular modality '${name}' has ${data.numeric.length} numeric values for ${n} samples of ${data.numericNames.length} columns`, 'give one value (NaN if missing) per sample and numeric column');
  }
  data.categorical.forEach((column, c) => {
    if (column.length !== n) throw new DataMalformedError(`tabular modality '${name}': categorical column '${data.categoricalNames[c]}' has ${column.length} values for ${n} samples`, "give one value ('' if missing) per sample");
  });
  const bad = data.numeric.findIndex((x) => x === Infinity || x === -Infinity);
  if (bad >= 0) {
    const w = data.numericNames.length;
    throw new DataMalformedError(`tabular modality '${name}': column '${data.numericNames[bad % w]}' of sample ${Math.floor(bad / w)} is ${data.numeric[bad]}`, 'write missing values as NaN and clip or drop infinite ones');
  }
  return data;
}

function checkPresent(present: Uint8Array | undefined, n: number, name: string): void {
  if (present !== undefined && present.length !== n) throw new ShapeMismatchError(`the presence mask of '${name}' has ${present.length} entries for ${n} samples`, 'give one presence entry per sample');
}

/** The training statistics of `table` (present samples only). */
function fitState(table: TabularModality, name: string, options: TabularPreprocessorOptions, present: Uint8Array | undefined): TabularState {
  const n = modalityLength(table);
  checkPresent(present, n, name);
  const isIn = (i: number): boolean => present === undefined || present[i] === 1;
  const nNum = table.numericNames.length;
  const stats = new ColumnStats(nNum);
  const anyMissing = new Uint8Array(nNum);
  for (let i = 0; i < n; i++) {
    if (!isIn(i)) continue;
    for (let c = 0; c < nNum; c++) {
      const x = table.numeric[i * nNum + c];
      if (Number.isNaN(x)) anyMissing[c] = 1;
      else stats.add(c, x);
    }
  }
  const { mean, std } = stats.result();
  const indicators = options.missingIndicators ? [...anyMissing.keys()].filter((c) => anyMissing[c] === 1) : [];
  const vocabularies = table.categorical.map((column) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) if (isIn(i) && column[i] !== '') counts.set(column[i], (counts.get(column[i]) ?? 0) + 1);
    return [...counts.entries()]
      .filter(([, k]) => k >= options.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, options.maxCategories)
      .map(([value]) => value);
  });
  return { numericNames: [...table.numericNames], mean, std, indicators, categoricalNames: [...table.categoricalNames], vocabularies, missingCategory: options.missingCategory };
}

export const tabularPreprocessor: RegisteredPreprocessor<TabularPreprocessorOptions> = {
  name: 'tabular',
  kind: 'tabular',
  description: 'numeric columns standardized (training mean/std, NaN → 0 plus missing indicators) and categorical columns as ids of training vocabularies',
  options: TabularPreprocessorOptionsSchema,
  optionNames: Object.keys(TabularPreprocessorOptionsSchema.shape),
  fit(data, name, options, present) {
    const table = checkTable(data, name, 'configured as a table');
    return fitted(name, fitState(table, name, TabularPreprocessorOptionsSchema.parse(options), present));
  },
  restore(state, name) {
    const parsed = StateSchema.safeParse(state);
    const problem = parsed.success ? stateProblem(parsed.data) : `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}`;
    if (!parsed.success || problem !== undefined) {
      throw new ConfigError(`preprocessing.${name}`, `the saved state of tabular modality '${name}' is not valid: ${problem ?? ''}`, 'save the model again with this version of jointly');
    }
    return fitted(name, parsed.data);
  },
};
