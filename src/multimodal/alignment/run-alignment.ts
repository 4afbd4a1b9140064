/**
 * The alignment run: CLIP-style contrastive training of two towers (Radford et al. 2021), each a
 * modality's registered encoder plus a linear projection into a shared space, trained as one
 * model with the engine's `train` under an objective that holds the loss's learned temperature
 * (and SigLIP's bias) as its own variables. Evaluated on the test split, before training (the
 * initial weights) and after: cross-modal retrieval recall@k both ways; zero-shot classification
 * when prompts are given (one or more per class, embedded by one tower; the other tower's test
 * samples go to the most similar class); and a linear probe (logistic regression) on one tower's
 * frozen features, so the result shows what alignment bought over the untrained encoder.
 *
 * Samples missing either modality (their presence field `<m>.present` is 0) take no part in the
 * contrastive training or retrieval; the probe uses the samples that have its tower's modality,
 * and zero-shot those that have the classified modality.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { fieldSource } from '../../engine/batch.js';
import { checkMemberFields, createMember, disposeMembers, type Member } from '../../engine/member.js';
import { namedOptionsSchema } from '../../engine/named-options.js';
import type { Objective } from '../../engine/objective.js';
import { createOptimizer, OptimizerSpecSchema } from '../../engine/optimizer.js';
import { deriveSeed } from '../../engine/random.js';
import { train, type TrainProgress } from '../../engine/trainer.js';
import { describeFields, isLabelled, makeFieldDataset, selectRows, type ClassesField, type Field, type FieldDataset, type FieldInfo } from '../../data/fields.js';
import { LABEL_FIELD, presenceField, type ModalityData } from '../modality.js';
import type { FittedPreprocessor } from '../preprocessor.js';
import type { AlignmentLoss } from './alignment-loss.js';
import type { AlignmentEpoch, AlignmentResult, ProbeScores } from './alignment-result.js';
import { linearProbeAccuracy, LinearProbeOptionsSchema } from './linear-probe.js';
import { ALIGNMENT_LOSS_NAMES, findAlignmentLoss, getAlignmentLoss } from './registry.js';
import { chanceRecall, DEFAULT_RECALL_KS, retrievalScores, type RetrievalScores } from './retrieval.js';
import { buildTwoTowerModel, TOWERS, type AlignmentTower, type TowerModel, type TowerName, type TwoTowerModel } from './two-tower.js';
import { zeroShotAccuracy } from './zero-shot.js';

/** `"clip"` or `{ "name": "siglip", ...options }`; the options are checked by the named loss's schema. */
export const AlignmentLossSpecSchema = z.preprocess((v) => (typeof v === 'string' ? { name: v } : v), namedOptionsSchema('alignment loss', ALIGNMENT_LOSS_NAMES, findAlignmentLoss, {}));

export const AlignmentProbeSchema = LinearProbeOptionsSchema.extend({
  /** Run the linear probe (needs a `label` field). Default true. */
  enabled: z.boolean().default(true),
  /** The tower whose features are probed. Default `a`. */
  tower: z.enum(TOWERS).default('a'),
  /** `encoder`: the encoder's vector (as CLIP probes its image encoder); `projection`: the shared-space embedding. Default `encoder`. */
  features: z.enum(['encoder', 'projection']).default('encoder'),
}).strict();

/**
 * Validates the options of an alignment run (shared-space width, loss, epochs, batch size,
 * optimizer, initial weights, recall@k, linear probe, embedding batch size, layer-name prefix) and
 * fills in the defaults noted on each field; parses to `AlignmentOptions`.
 */
export const AlignmentOptionsSchema = z
  .object({
    /** Width of the shared embedding space (both projections). Default 64. */
    dim: z.number().int().positive().default(64),
    /** The contrastive loss. Default `clip`. */
    loss: AlignmentLossSpecSchema.prefault({ name: 'clip' }),
    /** Passes over the training pairs. Default 10. */
    epochs: z.number().int().positive().default(10),
    /** Pairs per step; every other pair of the batch is a negative. Default 128. */
    batchSize: z.number().int().min(2).default(128),
    /** Optimizer of the towers and the loss's parameters. Default Adam, learning rate 1e-3. */
    optimizer: OptimizerSpecSchema.prefault({ name: 'adam' }),
    /** Initial weights of the projections and of encoders without an `init` of their own. Default `glorot`. */
    init: z.enum(['glorot', 'torch']).default('glorot'),
    /** The k of recall@k. Default [1, 5, 10]. */
    recallAt: z.array(z.number().int().positive()).min(1).default([...DEFAULT_RECALL_KS]),
    /** The linear probe. Default: on tower a's encoder features, 300 full-batch Adam steps. */
    probe: AlignmentProbeSchema.prefault({}),
    /** Samples per forward pass when embedding. Default 512. */
    evalBatchSize: z.number().int().positive().default(512),
    /** Prefix of the model's layer names. Default `align`. */
    name: z.string().min(1).default('align'),
  })
  .strict();
export type AlignmentOptions = z.infer<typeof AlignmentOptionsSchema>;
export type AlignmentOptionsInput = z.input<typeof AlignmentOptionsSchema>;

/** Prompts for zero-shot classification: their fields directly, or raw data with the modality's fitted preprocessor. */
export type ZeroShotPrompts = {
  /** The tower that embeds the prompts (e.g. the text tower). Default `b`. The other tower's test samples are classified. */
  readonly tower?: TowerName;
  /** Class of each prompt; default prompt c is class c (one prompt per class, in class order). */
  readonly promptClasses?: readonly number[];
} & (
  | {
      /** The prompts as the prompt tower's fields (one sample per prompt), e.g. the text modality's token ids. */
      readonly encodePrompts: () => Readonly<Record<string, Field>>;
    }
  | {
      /** The prompts as raw modality data, e.g. `{ kind: 'text', texts: ['a photo of a t-shirt', ...] }`, ... */
      readonly prompts: ModalityData;
      /** ... preprocessed by the prompt tower's fitted preprocessor (the one fitted on the training split). */
      readonly preprocessor: FittedPreprocessor;
    }
);

/**
 * What {@link runAlignment} takes: the two towers, the prepared training and test splits, the seed,
 * the options, and optionally zero-shot prompts, the backend name and callbacks.
 */
export interface RunAlignmentOptions {
  /** The two modalities with their encoders and fitted preprocessing (`prepareMultimodal`'s modalities fit). */
  readonly towers: Readonly<Record<TowerName, AlignmentTower>>;
  /** Prepared splits: both modalities' fields, optionally their presence fields and the `label` classes. */
  readonly train: FieldDataset;
  readonly test: FieldDataset;
  /** Seed of the weights and the data order. */
  readonly seed: number;
  readonly options?: AlignmentOptionsInput | AlignmentOptions;
  readonly zeroShot?: ZeroShotPrompts;
  /** Name of the active backend, for the result. Default `tf.getBackend()`. */
  readonly backend?: string;
  /** Called after every optimizer step with the epoch, the step and the epoch's running mean loss. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Called after every training epoch with its mean loss, temperature and learned loss parameters; a returned promise is awaited before the next epoch. */
  readonly onEpoch?: (e: AlignmentEpoch) => void | Promise<void>;
  /**
   * Called with the trained model after the evaluation, before the run frees it: save it or copy
   * its encoders' weights here (the model's layers are named `<name>/<modality>/...`).
   */
  readonly onTrained?: (model: TwoTowerModel) => void | Promise<void>;
}

/** The options parsed, with a ConfigError naming the first bad field. */
export function parseAlignmentOptions(input: AlignmentOptionsInput | AlignmentOptions | undefined): AlignmentOptions {
  const parsed = AlignmentOptionsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}; the options are ${Object.keys(AlignmentOptionsSchema.shape).join(', ')}` : issue.message;
  throw new ConfigError(path === '' ? 'alignment' : `alignment.${path}`, message, 'fix the alignment options');
}

/** The samples that have every modality in `modalities` (by their presence fields; all samples when there are none). */
export function presentRows(ds: FieldDataset, modalities: readonly string[]): FieldDataset {
  const masks = modalities.map((m) => ds.fields[presenceField(m)]).filter((f): f is Extract<Field, { kind: 'float' }> => f?.kind === 'float');
  if (masks.length === 0) return ds;
  const keep: number[] = [];
  for (let i = 0; i < ds.length; i++) if (masks.every((f) => f.values[i] === 1)) keep.push(i);
  return keep.length === ds.length ? ds : selectRows(ds, keep);
}

/** The dataset with the named fields only (no copy). */
function onlyFields(ds: FieldDataset, names: readonly string[]): FieldDataset {
  const fields: Record<string, Field> = {};
  for (const n of names) fields[n] = ds.fields[n];
  return { length: ds.length, fields };
}

/** Labels of the `label` field, −1 where unlabelled; undefined when there is no classes field `label`. */
function labelsOf(ds: FieldDataset): { labels: Int32Array; numClasses: number } | undefined {
  const field = ds.fields[LABEL_FIELD];
  if (field === undefined) return undefined;
  if (field.kind !== 'classes') throw new ShapeMismatchError(`the alignment run reads '${LABEL_FIELD}' as class labels, but it is a ${field.kind} field`, 'give the data a classes field `label` (or none)');
  const c = field as ClassesField;
  return { labels: Int32Array.from(c.labels, (y, i) => (isLabelled(c, i) ? y : -1)), numClasses: c.numClasses };
}

/** Checks that the data has every field of both towers with the shapes the model takes (the heads are embeddings, not targets: not checked). */
function checkTowerFields(member: Member, ds: FieldDataset, split: string): void {
  const inputs: Record<string, FieldInfo> = {};
  for (const [name, info] of Object.entries(describeFields(ds))) if (info.kind === 'float' || info.kind === 'tokens') inputs[name] = info;
  try {
    checkMemberFields({ ...member, heads: [] }, inputs);
  } catch (err) {
    if (err instanceof ShapeMismatchError) throw new ShapeMismatchError(`${split}: ${err.message}`, err.hint);
    throw err;
  }
}

/** The tower's outputs ([encoder vector, projection]) on every sample of `ds`, in order. */
export function embedTower(tower: TowerModel, ds: FieldDataset, batchSize: number): { vector: Float32Array; projection: Float32Array; dim: number } {
  const source = fieldSource(onlyFields(ds, tower.fields));
  const outShape = (i: number): number => tower.model.outputs[i].shape[1] as number;
  const widths = [outShape(0), outShape(1)];
  const out = widths.map((w) => new Float32Array(ds.length * w));
  for (let start = 0; start < ds.length; start += batchSize) {
    const end = Math.min(start + batchSize, ds.length);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    tf.tidy(() => {
      const batch = source.batch(indices);
      const xs = tower.fields.map((f) => batch.inputs[f]);
      const raw = tower.model.apply(xs.length === 1 ? xs[0] : xs, { training: false });
      const outs = raw as tf.Tensor[];
      outs.forEach((t, i) => out[i].set(t.dataSync(), start * widths[i]));
    });
  }
  return { vector: out[0], projection: out[1], dim: widths[1] };
}

/** The zero-shot prompt fields, checked to hold the prompt tower's fields. */
function promptFields(prompts: ZeroShotPrompts, tower: AlignmentTower): FieldDataset {
  const fields = 'encodePrompts' in prompts ? prompts.encodePrompts() : prompts.preprocessor.transform(prompts.prompts, tower.name);
  const missing = tower.info.fields.find((f) => fields[f] === undefined);
  if (missing !== undefined) {
    throw new ShapeMismatchError(`the zero-shot prompts have no field '${missing}' of modality '${tower.name}' (they have ${Object.keys(fields).join(', ') || 'none'})`, `encode the prompts with modality '${tower.name}'s fitted preprocessor`);
  }
  return makeFieldDataset(fields, 'the zero-shot prompts');
}

interface Snapshot {
  readonly retrieval: RetrievalScores;
  readonly zeroShot?: number;
  readonly probe?: ProbeScores;
}

interface EvalPlan {
  readonly trainPairs: FieldDataset;
  readonly testPairs: FieldDataset;
  readonly probe?: { readonly tower: TowerName; readonly train: FieldDataset; readonly test: FieldDataset; readonly trainLabels: Int32Array; readonly testLabels: Int32Array; readonly numClasses: number };
  readonly zeroShot?: { readonly promptTower: TowerName; readonly prompts: FieldDataset; readonly samples: FieldDataset; readonly labels: Int32Array; readonly numClasses: number; readonly promptClasses?: readonly number[] };
}

/** Retrieval, zero-shot and probe scores of the model as its weights are now. */
function snapshot(model: TwoTowerModel, plan: EvalPlan, options: AlignmentOptions): Snapshot {
  const bs = options.evalBatchSize;
  const a = embedTower(model.towers.a, plan.testPairs, bs);
  const b = embedTower(model.towers.b, plan.testPairs, bs);
  const retrieval = retrievalScores(a.projection, b.projection, a.dim, options.recallAt);
  let zeroShot: number | undefined;
  if (plan.zeroShot !== undefined) {
    const z = plan.zeroShot;
    const other: TowerName = z.promptTower === 'a' ? 'b' : 'a';
    const prompts = embedTower(model.towers[z.promptTower], z.prompts, bs);
    const samples = embedTower(model.towers[other], z.samples, bs);
    zeroShot = zeroShotAccuracy({ samples: samples.projection, prompts: prompts.projection, dim: prompts.dim, numClasses: z.numClasses, ...(z.promptClasses === undefined ? {} : { promptClasses: z.promptClasses }) }, z.labels);
  }
  let probe: ProbeScores | undefined;
  if (plan.probe !== undefined) {
    const p = plan.probe;
    const tower = model.towers[p.tower];
    const pick = (e: ReturnType<typeof embedTower>): Float32Array => (options.probe.features === 'encoder' ? e.vector : e.projection);
    const dim = options.probe.features === 'encoder' ? tower.width : options.dim;
    const probeOptions = { iterations: options.probe.iterations, learningRate: options.probe.learningRate, l2: options.probe.l2 };
    probe = linearProbeAccuracy(
      { features: pick(embedTower(tower, p.train, bs)), dim, labels: p.trainLabels, numClasses: p.numClasses },
      { features: pick(embedTower(tower, p.test, bs)), dim, labels: p.testLabels, numClasses: p.numClasses },
      probeOptions,
    );
  }
  return { retrieval, ...(zeroShot === undefined ? {} : { zeroShot }), ...(probe === undefined ? {} : { probe }) };
}

/** Which samples each evaluation uses, checked before any training. */
function planEvaluation(opts: RunAlignmentOptions, options: AlignmentOptions): EvalPlan {
  const { towers } = opts;
  const names = [towers.a.name, towers.b.name];
  const trainPairs = presentRows(opts.train, names);
  const testPairs = presentRows(opts.test, names);
  if (trainPairs.length < 2) throw new ShapeMismatchError(`the training split has ${trainPairs.length} sample(s) with both '${names[0]}' and '${names[1]}'`, 'contrastive training needs at least two pairs (every other pair of a batch is a negative)');
  if (testPairs.length < 2) throw new ShapeMismatchError(`the test split has ${testPairs.length} sample(s) with both '${names[0]}' and '${names[1]}'`, 'retrieval needs at least two test pairs');
  const trainLabels = labelsOf(opts.train);
  const testLabels = labelsOf(opts.test);
  let probe: EvalPlan['probe'];
  if (options.probe.enabled && trainLabels !== undefined && testLabels !== undefined) {
    const tower = options.probe.tower;
    const trainRows = presentRows(opts.train, [towers[tower].name]);
    const testRows = presentRows(opts.test, [towers[tower].name]);
    const tl = labelsOf(trainRows) as { labels: Int32Array; numClasses: number };
    const sl = labelsOf(testRows) as { labels: Int32Array; numClasses: number };
    probe = { tower, train: trainRows, test: testRows, trainLabels: tl.labels, testLabels: sl.labels, numClasses: tl.numClasses };
  }
  let zeroShot: EvalPlan['zeroShot'];
  if (opts.zeroShot !== undefined) {
    if (testLabels === undefined) throw new ConfigError('zeroShot', `zero-shot classification needs the test split's '${LABEL_FIELD}' classes, and it has none`, 'give the test split its labels, or leave zeroShot out');
    const promptTower = opts.zeroShot.tower ?? 'b';
    const other: TowerName = promptTower === 'a' ? 'b' : 'a';
    const all = presentRows(opts.test, [towers[other].name]);
    const labelled: number[] = [];
    const l = labelsOf(all) as { labels: Int32Array; numClasses: number };
    for (let i = 0; i < all.length; i++) if (l.labels[i] >= 0) labelled.push(i);
    const samples = labelled.length === all.length ? all : selectRows(all, labelled);
    const prompts = promptFields(opts.zeroShot, towers[promptTower]);
    const promptClasses = opts.zeroShot.promptClasses;
    if (promptClasses === undefined && prompts.length !== testLabels.numClasses) {
      throw new ShapeMismatchError(`${prompts.length} zero-shot prompts for ${testLabels.numClasses} classes`, 'give one prompt per class in class order, or the class of each prompt (promptClasses)');
    }
    zeroShot = { promptTower, prompts, samples, labels: Int32Array.from(labelled, (i) => l.labels[i]), numClasses: testLabels.numClasses, ...(promptClasses === undefined ? {} : { promptClasses }) };
  }
  return { trainPairs, testPairs, ...(probe === undefined ? {} : { probe }), ...(zeroShot === undefined ? {} : { zeroShot }) };
}

/** The objective: the loss of the batch's two heads, with the loss's parameters as its variables. */
export function alignmentObjective(name: string, loss: AlignmentLoss): Objective {
  return {
    name: `alignment (${name})`,
    variables: loss.variables,
    losses: (ctx) => ({ [name]: loss.loss(ctx.outputs[0].a as tf.Tensor2D, ctx.outputs[0].b as tf.Tensor2D) }),
  };
}

/** Trains two towers contrastively and evaluates them (see the file's comment). */
export async function runAlignment(opts: RunAlignmentOptions): Promise<AlignmentResult> {
  const started = performance.now();
  const options = parseAlignmentOptions(opts.options);
  const entry = getAlignmentLoss(options.loss.name);
  const plan = planEvaluation(opts, options);
  const built = buildTwoTowerModel(opts.towers, { dim: options.dim, seed: opts.seed, init: options.init, name: options.name });
  const member = createMember({ name: options.name, model: built.model, optimizer: createOptimizer(options.optimizer), inputs: built.inputs, heads: built.heads, outputs: built.outputs });
  const loss = entry.create(options.loss.options);
  try {
    checkTowerFields(member, opts.train, 'the training split');
    checkTowerFields(member, opts.test, 'the test split');
    const untrained = snapshot(built, plan, options);
    const epochs: AlignmentEpoch[] = [];
    const records = await train({
      members: [member],
      objective: alignmentObjective(entry.name, loss),
      data: fieldSource(onlyFields(plan.trainPairs, built.inputs)),
      epochs: options.epochs,
      batchSize: options.batchSize,
      seed: deriveSeed(opts.seed, 'order'),
      afterStep: loss.afterStep === undefined ? undefined : () => loss.afterStep?.(),
      onProgress: opts.onProgress,
      onEpochEnd: async (record) => {
        const e: AlignmentEpoch = { epoch: record.epoch, loss: record.losses[entry.name], temperature: loss.temperature(), parameters: loss.parameters(), seconds: record.seconds };
        epochs.push(e);
        await opts.onEpoch?.(e);
      },
    });
    const trained = snapshot(built, plan, options);
    await opts.onTrained?.(built);
    const towerInfo = (k: TowerName): { modality: string; encoder: string; width: number } => ({ modality: opts.towers[k].name, encoder: opts.towers[k].encoder.type, width: built.towers[k].width });
    const z = plan.zeroShot;
    const p = plan.probe;
    return {
      mode: 'alignment',
      loss: { name: entry.name, options: options.loss.options },
      towers: { a: towerInfo('a'), b: towerInfo('b') },
      dim: options.dim,
      seed: opts.seed,
      backend: opts.backend ?? tf.getBackend(),
      trainPairs: plan.trainPairs.length,
      testPairs: plan.testPairs.length,
      epochs,
      recallAt: [...options.recallAt],
      retrieval: { trained: trained.retrieval, untrained: untrained.retrieval, chance: chanceRecall(plan.testPairs.length, options.recallAt) },
      ...(z === undefined
        ? {}
        : {
            zeroShot: {
              promptTower: z.promptTower,
              classifiedModality: opts.towers[z.promptTower === 'a' ? 'b' : 'a'].name,
              prompts: z.prompts.length,
              samples: z.samples.length,
              trained: trained.zeroShot as number,
              untrained: untrained.zeroShot as number,
              chance: 1 / z.numClasses,
            },
          }),
      ...(p === undefined
        ? {}
        : {
            probe: {
              tower: p.tower,
              modality: opts.towers[p.tower].name,
              features: options.probe.features,
              trainSamples: p.train.length,
              testSamples: p.test.length,
              aligned: trained.probe as ProbeScores,
              untrained: untrained.probe as ProbeScores,
            },
          }),
      seconds: (performance.now() - started) / 1000,
      trainSeconds: records.reduce((s, r) => s + r.seconds, 0),
    };
  } finally {
    loss.dispose();
    disposeMembers([member]);
  }
}

export type { TwoTowerModel, AlignmentTower, TowerName };
