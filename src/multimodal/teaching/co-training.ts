/**
 * Co-training (Blum & Mitchell, "Combining labeled and unlabeled data with co-training", COLT
 * 1998): one classifier per view of the data is trained on the labelled set L; each labels the
 * unlabelled samples of a pool U' (drawn from the unlabelled set U) it is most confident about,
 * keeping L's class balance (the paper's p positive and n negative examples); those samples join
 * L, U' is refilled from U, and the classifiers are trained again, for a number of rounds.
 *
 * The data: a prepared training FieldDataset with every view's fields and the `label` classes
 * field, whose mask marks the labelled samples (mask 0: unlabelled, the pool U; its label values
 * are never read). The true labels of the unlabelled samples, when known, are given apart
 * (`truth`) and only score the pseudo-labels.
 *
 * As in the paper: the pool U' of `poolSize` samples drawn at random from U, replenished at
 * random from U after every round; `perRound` samples per view and round split over the classes
 * in proportion to L's class counts (the paper's p and n; `perClass` sets them directly); every
 * view's self-labelled samples join the one shared L (`exchange: 'shared'`), and each classifier
 * is trained afresh on L each round (`start: 'scratch'`; naive Bayes is re-estimated from L).
 * Generalizations and deviations:
 * - any number of classes and of views (≥ 2), neural view models (the view's encoder and a dense
 *   head, see view-model.ts) trained by the engine's `train` with a cross-entropy averaged over
 *   labelled samples, for `epochsPerRound` epochs over the view's current L;
 * - `start: 'warm'` continues each model (and its optimizer) from the previous round instead;
 * - `exchange: 'cross'` gives a view's pseudo-labels to the other views only (each view learns
 *   only from the others, the "labels its most confident samples for the other" reading);
 * - `threshold` (not in the paper) keeps a view from labelling samples below that confidence;
 * - no sample is labelled twice (the paper does not say what happens when both views pick the
 *   same example; here the more confident view labels it, see select-confident.ts);
 * - the run stops early when U' is empty or no view labelled anything in a round;
 * - the combined classifier is the average of the views' probabilities (the paper multiplies
 *   the naive Bayes probabilities).
 * The baseline: each view's model trained alone on the labelled samples only, from the same
 * initial weights, with the same data order and `aloneEpochs` epochs (default `epochsPerRound`:
 * the alone model is then exactly the round-0 model, which is not trained twice).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { DataMissingError, ShapeMismatchError } from '../../errors.js';
import { isLabelled, selectFieldRows, type ClassesField, type FieldDataset } from '../../data/fields.js';
import { fieldSource, type BatchSource } from '../../engine/batch.js';
import { evaluate, type Evaluation, type Scores } from '../../engine/evaluate.js';
import { disposeMembers, forward, type Member } from '../../engine/member.js';
import { OptimizerSpecSchema } from '../../engine/optimizer.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import { train } from '../../engine/trainer.js';
import { formatPoints } from '../../report/stats.js';
import { LABEL_FIELD } from '../modality.js';
import { maskedCrossEntropyObjective } from './masked-objective.js';
import { parseOptions } from './options.js';
import { classQuotas, selectConfident } from './select-confident.js';
import { checkViewMember, checkViews, viewFields, viewMember, type TeachingView } from './view-model.js';

export const CoTrainingOptionsSchema = z
  .object({
    /** Labelling rounds (the paper's k iterations); the models are trained rounds + 1 times. Default 10. */
    rounds: z.number().int().min(0).default(10),
    /** Samples each view labels per round, split over the classes in proportion to the labelled set's class counts. Default 10. */
    perRound: z.number().int().positive().default(10),
    /** Samples of each class each view labels per round (the paper's p, n), numClasses entries; overrides perRound. */
    perClass: z.array(z.number().int().min(0)).optional(),
    /** Least probability of its predicted class for a view to label a sample (not in the paper). Default 0 (none). */
    threshold: z.number().min(0).max(1).default(0),
    /** Size u of the pool U' drawn from the unlabelled samples (the paper: 75). Default 500. */
    poolSize: z.number().int().positive().default(500),
    /** Epochs over the view's current labelled set per round. Default 10. */
    epochsPerRound: z.number().int().positive().default(10),
    /** `scratch`: each round trains every model afresh from its initial weights (the paper); `warm`: each round continues the previous round's model and optimizer. Default `scratch`. */
    start: z.enum(['scratch', 'warm']).default('scratch'),
    /** `shared`: pseudo-labels join the one labelled set every view trains on (the paper); `cross`: a view's pseudo-labels train the other views only. Default `shared`. */
    exchange: z.enum(['shared', 'cross']).default('shared'),
    /** Epochs of the alone baseline on the labelled samples. Default: epochsPerRound. */
    aloneEpochs: z.number().int().positive().optional(),
    /** Samples per step. Default 32. */
    batchSize: z.number().int().positive().default(32),
    /** Each model's optimizer. Default Adam, learning rate 1e-3. */
    optimizer: OptimizerSpecSchema.prefault({ name: 'adam' }),
    /** Initial weights: `glorot` or `torch` (PyTorch's defaults). Default `glorot`. */
    init: z.enum(['glorot', 'torch']).default('glorot'),
  })
  .strict();
export type CoTrainingOptions = z.infer<typeof CoTrainingOptionsSchema>;
export type CoTrainingOptionsInput = z.input<typeof CoTrainingOptionsSchema>;
export const CO_TRAINING_OPTION_NAMES: readonly string[] = Object.keys(CoTrainingOptionsSchema.shape);

/** The pseudo-labels one view added in a round. */
export interface PseudoLabelStats {
  count: number;
  /** How many of each class. */
  perClass: number[];
  /** How many agree with the true labels; null when they are not known. */
  correct: number | null;
  accuracy: number | null;
}

export interface CoTrainingRound {
  /** 0-based: round 0 trains on the labelled samples only. */
  round: number;
  /** Samples each view trained on (labelled and pseudo-labelled), by view. */
  trainSize: Record<string, number>;
  /** Test scores of each view's model after this round's training, by view. */
  test: Record<string, Scores>;
  /** Test scores of the views' mean probabilities. */
  ensemble: Scores;
  /** Samples in the pool U' when the views labelled (0 after the last training). */
  pool: number;
  /** Pseudo-labels each view added after this round's training, by view (empty after the last). */
  added: Record<string, PseudoLabelStats>;
}

export interface CoTrainingViewResult {
  view: string;
  /** Trained alone on the labelled samples only. */
  alone: Scores;
  /** After the last round. */
  coTrained: Scores;
  /** coTrained − alone accuracy. */
  delta: number;
  /** Optimizer steps behind each final model (co-trained: the last round's with `scratch`, all rounds' with `warm`). */
  steps: { alone: number; coTrained: number };
}

/**
 * What {@link runCoTraining} returns (JSON): the setup (views, options, labelled and unlabelled
 * counts, quotas), every round, why the rounds stopped, the pseudo-labels' accuracy, each view's
 * and the ensemble's test scores alone and co-trained, the training budget and the wall time in
 * seconds.
 */
export interface CoTrainingResult {
  method: 'co-training';
  seed: number;
  views: string[];
  options: CoTrainingOptions;
  numClasses: number;
  /** Labelled and unlabelled training samples at the start. */
  labelled: number;
  unlabelled: number;
  /** Samples of each class each view may label per round. */
  quotas: number[];
  rounds: CoTrainingRound[];
  /** Why the rounds ended. */
  stopped: 'rounds' | 'pool-exhausted' | 'no-confident-samples';
  /** Every pseudo-label added, over views and rounds. */
  pseudoLabels: { count: number; correct: number | null; accuracy: number | null };
  final: CoTrainingViewResult[];
  ensemble: { alone: Scores; coTrained: Scores; delta: number };
  /** Epochs of the alone baseline and per round. */
  budget: { aloneEpochs: number; epochsPerRound: number; trainings: number };
  seconds: number;
}

export interface CoTrainingInput {
  /** The views' fields and `label` (mask 0 where unlabelled: the samples co-training may label). */
  train: FieldDataset;
  test: FieldDataset;
  /** Two or more views, e.g. the modalities of `prepareMultimodal`. */
  views: readonly TeachingView[];
  seed: number;
  options?: CoTrainingOptionsInput;
  /** True labels of the training samples (-1: unknown), used only to score the pseudo-labels. */
  truth?: Int32Array;
  /** Called after every round (training, test scores and labelling). */
  onRound?: (round: CoTrainingRound) => void | Promise<void>;
}

/** Class probabilities of `member` on the samples `indices` of `source`, row-major. */
function probabilities(member: Member, source: BatchSource, indices: Int32Array, numClasses: number, batchSize = 512): Float32Array {
  const out = new Float32Array(indices.length * numClasses);
  for (let start = 0; start < indices.length; start += batchSize) {
    const part = indices.subarray(start, Math.min(start + batchSize, indices.length));
    const p = tf.tidy(() => tf.softmax(forward(member, source.batch(part), false)[LABEL_FIELD]).dataSync() as Float32Array);
    out.set(p, start * numClasses);
  }
  return out;
}

function stats(perClass: number[], correct: number | null, count: number): PseudoLabelStats {
  return { count, perClass, correct, accuracy: correct === null || count === 0 ? null : correct / count };
}

/** Runs co-training and the alone baseline on one seed. */
export async function runCoTraining(input: CoTrainingInput): Promise<CoTrainingResult> {
  const started = performance.now();
  const opts = parseOptions(CoTrainingOptionsSchema, input.options, 'coTraining', CO_TRAINING_OPTION_NAMES);
  const { train: data, views, seed } = input;
  const numClasses = checkViews(views, data, input.test, 'co-training');
  const labelField = data.fields[LABEL_FIELD] as ClassesField;
  const n = data.length;
  if (input.truth !== undefined && input.truth.length !== n) throw new ShapeMismatchError(`${input.truth.length} true labels for ${n} training samples`, 'give one true label (or -1) per training sample');
  if (opts.perClass !== undefined && opts.perClass.length !== numClasses) {
    throw new ShapeMismatchError(`coTraining.perClass has ${opts.perClass.length} entries for ${numClasses} classes`, 'give one count per class');
  }

  // L and U: only the labels of labelled samples are ever read.
  const counts = new Int32Array(numClasses);
  const unlabelled: number[] = [];
  const labelOf = views.map(() => new Int32Array(n).fill(-1));
  for (let i = 0; i < n; i++) {
    if (isLabelled(labelField, i)) {
      const y = labelField.labels[i];
      counts[y]++;
      for (const l of labelOf) l[i] = y;
    } else {
      unlabelled.push(i);
    }
  }
  const labelledCount = n - unlabelled.length;
  if (labelledCount === 0) throw new DataMissingError('co-training: the training data has no labelled sample', 'keep some labels (mask 1) to start from');
  if (unlabelled.length === 0) throw new DataMissingError('co-training: every training sample is labelled, so there is nothing to label', 'mask the labels of the samples co-training may label (mask 0), e.g. with hideLabels');
  const quotas = opts.perClass === undefined ? classQuotas(counts, opts.perRound) : Int32Array.from(opts.perClass);

  // U' drawn at random from U; the rest of U (in a seeded random order) replenishes it.
  const queue = Array.from(permutation(unlabelled.length, createRng(deriveSeed(seed, 'co-training/pool'))), (j) => unlabelled[j]);
  let pool = queue.splice(0, opts.poolSize);

  const memberSeed = deriveSeed(seed, 'co-training/model');
  const build = (view: TeachingView): Member => viewMember(view, { units: numClasses, seed: memberSeed, init: opts.init, optimizer: opts.optimizer });
  const objective = maskedCrossEntropyObjective(LABEL_FIELD);
  const testSource = fieldSource(viewFields(input.test, views, true));
  const poolSources = views.map((v) => fieldSource(viewFields(data, [v], false)));
  const steps = views.map(() => 0);

  const initial = Int32Array.from(labelOf[0]);
  /** The samples with a label in `l` (-1: none), as a dataset of view v's fields and label. */
  const labelledSet = (v: number, l: Int32Array): FieldDataset => {
    const indices = Int32Array.from(Array.from(l.keys()).filter((i) => l[i] >= 0));
    const fields: Record<string, FieldDataset['fields'][string]> = {};
    for (const f of views[v].info.fields) fields[f] = selectFieldRows(data.fields[f], indices);
    fields[LABEL_FIELD] = { kind: 'classes', labels: Int32Array.from(indices, (i) => l[i]), numClasses };
    return { length: indices.length, fields };
  };
  const fit = async (member: Member, v: number, l: Int32Array, round: number, epochs: number): Promise<number> => {
    const set = labelledSet(v, l);
    checkViewMember(member, set);
    await train({ members: [member], objective, data: fieldSource(set), epochs, batchSize: opts.batchSize, seed: deriveSeed(seed, `co-training/shuffle/${views[v].name}/${round}`) });
    return Math.ceil(set.length / opts.batchSize) * epochs;
  };
  const scores = (members: readonly Member[]): Evaluation => evaluate({ members, data: testSource, head: LABEL_FIELD });

  let members: Member[] = [];
  const rounds: CoTrainingRound[] = [];
  let stopped: CoTrainingResult['stopped'] = 'rounds';
  let aloneEval: Evaluation | undefined;
  const aloneEpochs = opts.aloneEpochs ?? opts.epochsPerRound;
  const aloneSteps = views.map(() => 0);
  const truth = input.truth;
  try {
    for (let round = 0; ; round++) {
      if (opts.start === 'scratch' || round === 0) {
        disposeMembers(members);
        members = [];
        for (const view of views) members.push(build(view));
      }
      const trainSize: Record<string, number> = {};
      for (const [v, view] of views.entries()) {
        trainSize[view.name] = labelOf[v].reduce((s, y) => s + (y >= 0 ? 1 : 0), 0);
        const taken = await fit(members[v], v, labelOf[v], round, opts.epochsPerRound);
        steps[v] = opts.start === 'scratch' ? taken : steps[v] + taken;
        if (round === 0 && aloneEpochs === opts.epochsPerRound) aloneSteps[v] = taken;
      }
      const evaluation = scores(members);
      if (round === 0 && aloneEpochs === opts.epochsPerRound) aloneEval = evaluation;
      const record: CoTrainingRound = {
        round,
        trainSize,
        test: Object.fromEntries(views.map((v, i) => [v.name, evaluation.members[i]])),
        ensemble: evaluation.ensemble,
        pool: 0,
        added: {},
      };
      rounds.push(record);
      const last = round === opts.rounds || pool.length === 0;
      if (pool.length === 0 && round < opts.rounds) stopped = 'pool-exhausted';
      if (!last) {
        record.pool = pool.length;
        const poolIndices = Int32Array.from(pool);
        const probs = members.map((m, v) => probabilities(m, poolSources[v], poolIndices, numClasses));
        const picks = selectConfident(probs, numClasses, quotas, opts.threshold);
        const picked = new Set<number>();
        picks.forEach((viewPicks, v) => {
          const perClass = new Array<number>(numClasses).fill(0);
          let correct = 0;
          let known = truth !== undefined;
          for (const pick of viewPicks) {
            const i = pool[pick.position];
            picked.add(pick.position);
            perClass[pick.label]++;
            if (truth !== undefined) {
              if (truth[i] < 0) known = false;
              else if (truth[i] === pick.label) correct++;
            }
            labelOf.forEach((l, w) => {
              if (opts.exchange === 'shared' || w !== v) l[i] = pick.label;
            });
          }
          record.added[views[v].name] = stats(perClass, known ? correct : null, viewPicks.length);
        });
        if (picked.size === 0) {
          stopped = 'no-confident-samples';
          await input.onRound?.(record);
          break;
        }
        pool = pool.filter((_, p) => !picked.has(p));
        pool.push(...queue.splice(0, opts.poolSize - pool.length));
      }
      await input.onRound?.(record);
      if (last) break;
    }
    const coTrained = rounds[rounds.length - 1];
    if (aloneEval === undefined) {
      const alone = views.map(build);
      try {
        // the labelled samples only, in round 0's data order
        for (const [v] of views.entries()) aloneSteps[v] = await fit(alone[v], v, initial, 0, aloneEpochs);
        aloneEval = scores(alone);
      } finally {
        disposeMembers(alone);
      }
    }
    const alone = aloneEval;
    const final = views.map((view, v): CoTrainingViewResult => ({
      view: view.name,
      alone: alone.members[v],
      coTrained: coTrained.test[view.name],
      delta: coTrained.test[view.name].accuracy - alone.members[v].accuracy,
      steps: { alone: aloneSteps[v], coTrained: steps[v] },
    }));
    let count = 0;
    let correct: number | null = truth === undefined ? null : 0;
    for (const r of rounds) {
      for (const s of Object.values(r.added)) {
        count += s.count;
        correct = correct === null || s.correct === null ? null : correct + s.correct;
      }
    }
    return {
      method: 'co-training',
      seed,
      views: views.map((v) => v.name),
      options: opts,
      numClasses,
      labelled: labelledCount,
      unlabelled: unlabelled.length,
      quotas: Array.from(quotas),
      rounds,
      stopped,
      pseudoLabels: { count, correct, accuracy: correct === null || count === 0 ? null : correct / count },
      final,
      ensemble: { alone: alone.ensemble, coTrained: coTrained.ensemble, delta: coTrained.ensemble.accuracy - alone.ensemble.accuracy },
      budget: { aloneEpochs, epochsPerRound: opts.epochsPerRound, trainings: rounds.length },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    disposeMembers(members);
  }
}

const pct = (x: number): string => (x * 100).toFixed(1);

/** The run as Markdown: per-round table, then each view co-trained vs alone. */
export function coTrainingMarkdown(r: CoTrainingResult): string {
  const o = r.options;
  const quotas = r.quotas.every((q) => q === r.quotas[0]) ? `${r.quotas[0]} sample(s) of each class` : `${r.quotas.join('/')} samples of classes ${r.quotas.map((_, c) => c).join('/')}`;
  const lines: string[] = [];
  lines.push(`## Co-training (Blum & Mitchell 1998): ${r.views.join(', ')}`);
  lines.push('');
  lines.push(
    `${r.labelled} labelled and ${r.unlabelled} unlabelled training samples, ${r.numClasses} classes; each view labels up to ${quotas} per round` +
      `${o.threshold > 0 ? ` (confidence ≥ ${o.threshold})` : ''}, pool ${o.poolSize}, ${o.epochsPerRound} epochs per round (${o.start === 'scratch' ? 'retrained from scratch' : 'warm start'}), ` +
      `${o.exchange === 'shared' ? 'one shared labelled set' : 'each view\'s labels train the others'}, seed ${r.seed}. Stopped: ${r.stopped}.`,
  );
  lines.push('');
  const header = ['round', ...r.views.map((v) => `train ${v}`), ...r.views.map((v) => `test ${v} %`), 'ensemble %', ...r.views.map((v) => `added by ${v} (acc %)`)];
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const round of r.rounds) {
    const added = r.views.map((v) => {
      const s = round.added[v];
      if (s === undefined) return '—';
      return s.accuracy === null ? `${s.count}` : `${s.count} (${pct(s.accuracy)})`;
    });
    lines.push(`| ${[String(round.round), ...r.views.map((v) => String(round.trainSize[v])), ...r.views.map((v) => pct(round.test[v].accuracy)), pct(round.ensemble.accuracy), ...added].join(' | ')} |`);
  }
  lines.push('');
  const pl = r.pseudoLabels;
  lines.push(`Pseudo-labels added: ${pl.count}${pl.accuracy === null ? '' : `, ${pct(pl.accuracy)}% correct`}.`);
  lines.push('');
  lines.push('| model | alone % | co-trained % | Δ (points) |');
  lines.push('|---|---:|---:|---:|');
  for (const f of r.final) lines.push(`| ${f.view} | ${pct(f.alone.accuracy)} | ${pct(f.coTrained.accuracy)} | ${formatPoints(f.delta)} |`);
  lines.push(`| ensemble (mean probabilities) | ${pct(r.ensemble.alone.accuracy)} | ${pct(r.ensemble.coTrained.accuracy)} | ${formatPoints(r.ensemble.delta)} |`);
  lines.push('');
  const steps = r.final.map((f) => `${f.view} ${f.steps.alone} vs ${f.steps.coTrained}`).join(', ');
  lines.push(
    `Budget: alone = ${r.budget.aloneEpochs} epochs on the ${r.labelled} labelled samples, from the same initial weights and data order as round 0; ` +
      `co-trained = ${r.budget.trainings} trainings of ${r.budget.epochsPerRound} epochs each. Optimizer steps behind the final models (alone vs co-trained): ${steps}.`,
  );
  return lines.join('\n');
}
