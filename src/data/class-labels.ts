/** Turns raw label values into class indices (pure). */

export interface EncodedLabels {
  labels: Int32Array;
  numClasses: number;
  /** Sorted distinct names when the labels were strings. */
  classNames?: string[];
}

/** Non-negative integer labels used as they are; at least 2 classes. */
export function labelsFromIndices(values: ArrayLike<number>): EncodedLabels {
  const labels = Int32Array.from(values);
  const maxLabel = labels.reduce((a, b) => Math.max(a, b), 0);
  return { labels, numClasses: Math.max(2, maxLabel + 1) };
}

/** String labels mapped to the indices of their sorted distinct names. */
export function labelsFromNames(values: readonly string[]): EncodedLabels {
  const classNames = [...new Set(values)].sort();
  const index = new Map(classNames.map((name, k) => [name, k]));
  return { labels: Int32Array.from(values, (v) => index.get(v) as number), numClasses: classNames.length, classNames };
}
