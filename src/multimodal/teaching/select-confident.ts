/**
 * Co-training's selection step (Blum & Mitchell, COLT 1998): each view's classifier labels the
 * unlabelled samples of the pool it is most confident about, a fixed number per class, so that
 * the self-labelled samples keep the class balance of the labelled set (the paper's p positive
 * and n negative examples per view and round, here generalized to k classes). Pure functions
 * over typed arrays, no tfjs.
 *
 * Generalizations of the paper's two-class, two-view step, and how ties are settled:
 * - a view labels a sample with its arg-max class (the lowest class index on a tie), and its
 *   confidence is that class's probability; it labels at most `quotas[c]` samples of class c;
 * - a confidence threshold (not in the paper) keeps a view from labelling samples it is unsure
 *   about, so a view may label fewer than its quota;
 * - no sample is labelled twice: the candidates of every view are taken greedily by decreasing
 *   confidence (ties: the lower view index, then the lower pool position), and a sample already
 *   taken by one view is skipped by the others. Where two views disagree on a sample, the more
 *   confident one labels it. The paper lets both classifiers pick from U' without saying what
 *   happens when they pick the same example.
 */
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';

/** One self-labelled sample: its position in the pool, the class the view gave it, and the view's probability of that class. */
export interface ConfidentPick {
  readonly position: number;
  readonly label: number;
  readonly confidence: number;
}

/**
 * How many samples of each class a view labels per round: `total` split over the classes in
 * proportion to `counts` (the labelled set's class counts) by the largest-remainder method, ties
 * going to the lower class index. E.g. counts [1, 3] and total 4 give [1, 3] (the paper's p = 1,
 * n = 3); counts [2, 1, 1] and total 5 give [3, 1, 1].
 */
export function classQuotas(counts: ArrayLike<number>, total: number): Int32Array {
  if (!Number.isInteger(total) || total < 0) throw new DataMalformedError(`the number of samples to label per round must be a whole number of at least 0, got ${total}`);
  const k = counts.length;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    if (!(counts[c] >= 0)) throw new DataMalformedError(`class ${c} has a count of ${counts[c]}; class counts cannot be negative or NaN`);
    sum += counts[c];
  }
  if (sum === 0) throw new DataMalformedError('the labelled set has no sample, so no class balance to keep', 'give co-training some labelled samples');
  const quotas = new Int32Array(k);
  const remainders: { c: number; r: number }[] = [];
  let given = 0;
  for (let c = 0; c < k; c++) {
    const exact = (total * counts[c]) / sum;
    quotas[c] = Math.floor(exact);
    given += quotas[c];
    remainders.push({ c, r: exact - quotas[c] });
  }
  remainders.sort((a, b) => b.r - a.r || a.c - b.c);
  for (let i = 0; given < total; i++, given++) quotas[remainders[i].c]++;
  return quotas;
}

/**
 * Each view's most confident samples of the pool. `probabilities[v]` holds view v's class
 * probabilities on the pool, `pool * numClasses` values row-major; `quotas[c]` is how many
 * samples of class c each view labels at most; a view only labels samples whose confidence is at
 * least `threshold`. Returns, per view, its picks in the order they were taken (most confident
 * first); no pool position appears twice across all views.
 */
export function selectConfident(probabilities: readonly Float32Array[], numClasses: number, quotas: ArrayLike<number>, threshold = 0): ConfidentPick[][] {
  if (probabilities.length === 0) return [];
  if (quotas.length !== numClasses) throw new ShapeMismatchError(`${quotas.length} per-class quotas for ${numClasses} classes`, 'give one quota per class');
  const size = probabilities[0].length / numClasses;
  if (!Number.isInteger(size)) throw new ShapeMismatchError(`${probabilities[0].length} probabilities are not a whole number of rows of ${numClasses} classes`);
  const candidates: { view: number; position: number; label: number; confidence: number }[] = [];
  probabilities.forEach((p, view) => {
    if (p.length !== size * numClasses) throw new ShapeMismatchError(`view ${view} has ${p.length / numClasses} pool rows, view 0 has ${size}`, 'predict every view on the same pool');
    for (let i = 0; i < size; i++) {
      let label = 0;
      for (let c = 0; c < numClasses; c++) {
        const v = p[i * numClasses + c];
        if (!Number.isFinite(v)) throw new DataMalformedError(`view ${view} predicts probability ${v} for class ${c} of pool sample ${i}`, 'check the model for a non-finite output (a diverged training)');
        if (v > p[i * numClasses + label]) label = c;
      }
      const confidence = p[i * numClasses + label];
      if (confidence >= threshold && quotas[label] > 0) candidates.push({ view, position: i, label, confidence });
    }
  });
  candidates.sort((a, b) => b.confidence - a.confidence || a.view - b.view || a.position - b.position);
  const taken = new Uint8Array(size);
  const counts = probabilities.map(() => new Int32Array(numClasses));
  const picks: ConfidentPick[][] = probabilities.map(() => []);
  for (const cand of candidates) {
    if (taken[cand.position] === 1 || counts[cand.view][cand.label] >= quotas[cand.label]) continue;
    taken[cand.position] = 1;
    counts[cand.view][cand.label]++;
    picks[cand.view].push({ position: cand.position, label: cand.label, confidence: cand.confidence });
  }
  return picks;
}
