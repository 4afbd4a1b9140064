/**
 * Cross-modal mutual learning: one single-modality model per view (its encoder and a `label`
 * head), trained jointly on the same batches, each reading only its own modality's fields, with
 * a method of the mutual mode (src/mutual/registry.ts) — e.g. `dml`, deep mutual learning (Zhang
 * et al., CVPR 2018): each model minimizes its cross-entropy plus the KL divergence from the
 * other modalities' predictions to its own, so the image model literally learns from the text
 * model and back. The mutual methods are used as they are: an objective sees `outputs[i][head]`,
 * whatever inputs member i read. None of the registered methods assumes a shared input: `dml`
 * and `co-teaching` read only the members' outputs and the batch's labels, and `distillation`
 * runs its teacher (the first view's alone model) on the batch, where it reads its own fields.
 *
 * The comparison, as in the mutual mode: every view's model is also trained alone (its own
 * cross-entropy), from the same initial weights, in the same batch order, for the same epochs,
 * and both are scored on the test split; so are the ensembles (mean probabilities) of the alone
 * models and of the mutually trained ones. Labels must be complete: the mutual methods' losses
 * average over the whole batch.
 */
import { z } from 'zod';
import { ConfigError, DataMalformedError } from '../../errors.js';
import type { ClassesField, FieldDataset } from '../../data/fields.js';
import { fieldSource } from '../../engine/batch.js';
import { evaluate, type Scores } from '../../engine/evaluate.js';
import { disposeMembers, type Member } from '../../engine/member.js';
import { deriveSeed } from '../../engine/random.js';
import { train, type EpochRecord } from '../../engine/trainer.js';
import { TrainingConfigSchema } from '../../mutual/config.js';
import { independentObjective } from '../../mutual/methods/independent.js';
import { getMutualMethod } from '../../mutual/registry.js';
import { formatPoints } from '../../report/stats.js';
import { LABEL_FIELD } from '../modality.js';
import { parseOptions } from './options.js';
import { checkViewMember, checkViews, viewFields, viewMember, type TeachingView } from './view-model.js';

export const CrossModalMutualOptionsSchema = TrainingConfigSchema.extend({
  /** Initial weights: `glorot` or `torch` (PyTorch's defaults). Default `glorot`. */
  init: z.enum(['glorot', 'torch']).default('glorot'),
  /** Label-noise rate of the training data, when known (co-teaching's default forget rate). Default 0. */
  labelNoise: z.number().min(0).max(1).default(0),
}).strict();
export type CrossModalMutualOptions = z.infer<typeof CrossModalMutualOptionsSchema>;
export type CrossModalMutualOptionsInput = z.input<typeof CrossModalMutualOptionsSchema>;
export const CROSS_MODAL_MUTUAL_OPTION_NAMES: readonly string[] = Object.keys(CrossModalMutualOptionsSchema.shape);

export interface CrossModalViewResult {
  view: string;
  /** `trained` for the models the method trains jointly; else the method's role for it (e.g. `teacher`, the alone model). */
  role: string;
  alone: Scores;
  mutual: Scores;
  /** mutual − alone accuracy. */
  delta: number;
}

/**
 * What {@link runCrossModalMutual} returns (JSON): the method and its options, each view's test
 * scores alone and mutually trained, the same for their ensembles, and the per-epoch losses and
 * seconds of both phases.
 */
export interface CrossModalMutualResult {
  method: string;
  /** The method's options, with their defaults. */
  methodOptions: unknown;
  seed: number;
  views: string[];
  options: CrossModalMutualOptions;
  perView: CrossModalViewResult[];
  /** Mean probabilities of every view's alone model, and of every view's model after the joint phase. */
  ensemble: { alone: Scores; mutual: Scores; delta: number };
  /** Per-epoch mean losses of each phase. */
  epochs: { alone: EpochRecord[]; mutual: EpochRecord[] };
  seconds: { alone: number; mutual: number };
}

export interface CrossModalMutualInput {
  /** The views' fields and `label` (every sample labelled). */
  train: FieldDataset;
  test: FieldDataset;
  /** Two or more views, e.g. the modalities of `prepareMultimodal`. */
  views: readonly TeachingView[];
  /** A mutual-learning method by name with its options, e.g. `{ name: 'dml', options: { temperature: 2 } }`. */
  method: { readonly name: string; readonly options?: unknown };
  seed: number;
  options?: CrossModalMutualOptionsInput;
  /** Called after every epoch of either phase. */
  onEpoch?: (phase: 'alone' | 'mutual', record: EpochRecord) => void | Promise<void>;
}

const seconds = (records: readonly EpochRecord[]): number => records.reduce((s, r) => s + r.seconds, 0);

/** Trains the views' models alone and mutually (same initial weights, batch order, epochs) and scores both on the test split. */
export async function runCrossModalMutual(input: CrossModalMutualInput): Promise<CrossModalMutualResult> {
  const opts = parseOptions(CrossModalMutualOptionsSchema, input.options, 'training', CROSS_MODAL_MUTUAL_OPTION_NAMES);
  const { views, seed } = input;
  const method = getMutualMethod(input.method.name);
  const numClasses = checkViews(views, input.train, input.test, 'cross-modal mutual learning');
  if (views.length < method.minModels || (method.maxModels !== undefined && views.length > method.maxModels)) {
    const range = method.maxModels === undefined ? `at least ${method.minModels}` : `${method.minModels} to ${method.maxModels}`;
    throw new ConfigError('views', `method '${method.name}' takes ${range} models, and ${views.length} views were given`, 'give it as many views as it takes');
  }
  const methodOptions = parseOptions(method.options, input.method.options, `method.${method.name}`, method.optionNames);
  const label = input.train.fields[LABEL_FIELD] as ClassesField;
  if (label.mask?.some((m) => m === 0) === true) {
    throw new DataMalformedError(
      'cross-modal mutual learning: some training samples have no label, and the mutual methods average their losses over every sample of a batch',
      'train on the labelled samples only (selectRows), or use co-training to learn from the unlabelled ones',
    );
  }
  const trainData = viewFields(input.train, views, true);
  const trainSource = fieldSource(trainData);
  const testSource = fieldSource(viewFields(input.test, views, true));
  const memberSeed = deriveSeed(seed, 'cross-modal/model');
  const build = (): Member[] => {
    const out: Member[] = [];
    try {
      for (const view of views) {
        out.push(viewMember(view, { units: numClasses, seed: memberSeed, init: opts.init, optimizer: opts.optimizer }));
        checkViewMember(out[out.length - 1], trainData);
      }
    } catch (err) {
      disposeMembers(out);
      throw err;
    }
    return out;
  };
  const shuffle = deriveSeed(seed, 'cross-modal/shuffle');
  const run = (phase: 'alone' | 'mutual', members: readonly Member[], objective: Parameters<typeof train>[0]['objective']): Promise<EpochRecord[]> =>
    train({ members, objective, data: trainSource, epochs: opts.epochs, batchSize: opts.batchSize, seed: shuffle, onEpochEnd: (r) => input.onEpoch?.(phase, r) });

  const alone: Member[] = [];
  const joint: Member[] = [];
  let dispose: (() => void) | undefined;
  try {
    alone.push(...build());
    const aloneEpochs = await run('alone', alone, independentObjective(LABEL_FIELD));
    joint.push(...build());
    const setup = method.setup(methodOptions, { members: joint, aloneMembers: alone, labelNoise: opts.labelNoise, head: LABEL_FIELD });
    dispose = setup.objective.dispose?.bind(setup.objective);
    const mutualEpochs = await run('mutual', setup.trained, setup.objective);

    // Each view's model after the joint phase: trained jointly, or used fixed (e.g. the teacher).
    const after = views.map((view) => {
      const trained = setup.trained.find((m) => m.name === view.name);
      if (trained !== undefined) return { member: trained, role: 'trained' };
      const fixed = setup.fixed?.find((f) => f.member.name === view.name);
      return { member: fixed?.member ?? (alone.find((m) => m.name === view.name) as Member), role: fixed?.role ?? 'alone' };
    });
    const aloneTest = evaluate({ members: alone, data: testSource, head: LABEL_FIELD });
    const mutualTest = evaluate({ members: after.map((a) => a.member), data: testSource, head: LABEL_FIELD });
    return {
      method: method.name,
      methodOptions,
      seed,
      views: views.map((v) => v.name),
      options: opts,
      perView: views.map((view, v) => ({
        view: view.name,
        role: after[v].role,
        alone: aloneTest.members[v],
        mutual: mutualTest.members[v],
        delta: mutualTest.members[v].accuracy - aloneTest.members[v].accuracy,
      })),
      ensemble: { alone: aloneTest.ensemble, mutual: mutualTest.ensemble, delta: mutualTest.ensemble.accuracy - aloneTest.ensemble.accuracy },
      epochs: { alone: aloneEpochs, mutual: mutualEpochs },
      seconds: { alone: seconds(aloneEpochs), mutual: seconds(mutualEpochs) },
    };
  } finally {
    dispose?.();
    disposeMembers(alone);
    disposeMembers(joint);
  }
}

const pct = (x: number): string => (x * 100).toFixed(1);

/** The run as Markdown: each view's model alone vs mutual, and both ensembles. */
export function crossModalMutualMarkdown(r: CrossModalMutualResult): string {
  const lines: string[] = [];
  lines.push(`## Cross-modal mutual learning (${r.method}): ${r.views.join(', ')}`);
  lines.push('');
  lines.push(`Each view's model reads only its own modality; alone and mutual runs share initial weights, batch order and ${r.options.epochs} epochs (batch ${r.options.batchSize}), seed ${r.seed}. Test accuracy:`);
  lines.push('');
  lines.push(`| model | alone % | ${r.method} % | Δ (points) |`);
  lines.push('|---|---:|---:|---:|');
  for (const v of r.perView) lines.push(`| ${v.view}${v.role === 'trained' ? '' : ` (${v.role}, not trained jointly)`} | ${pct(v.alone.accuracy)} | ${pct(v.mutual.accuracy)} | ${formatPoints(v.delta)} |`);
  lines.push(`| ensemble (mean probabilities) | ${pct(r.ensemble.alone.accuracy)} | ${pct(r.ensemble.mutual.accuracy)} | ${formatPoints(r.ensemble.delta)} |`);
  return lines.join('\n');
}
