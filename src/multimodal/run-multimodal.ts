/**
 * Runs a multimodal experiment: the modalities' preprocessors are fitted on the training split;
 * then for every seed, each modality's model is trained alone (its encoder and a head), each
 * configured fusion is trained as a fused model whose encoders start from exactly the alone
 * models' initial weights (same seed rule, data order, optimizer and epochs), and all are scored
 * on the test set, with the ensemble of the alone models (averaged logits) and each fused model
 * with every modality removed in turn. That is what the report compares.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fieldSource, type BatchSource } from '../engine/batch.js';
import { checkMemberFields, createMember, disposeMembers, type Member, type NamedModel } from '../engine/member.js';
import { createOptimizer } from '../engine/optimizer.js';
import { deriveSeed } from '../engine/random.js';
import { train, type EpochRecord, type TrainProgress } from '../engine/trainer.js';
import { describeFields, type ClassesField } from '../data/fields.js';
import { buildAloneModel, buildFusedModel } from './build-model.js';
import { MultimodalConfigSchema, type MultimodalConfig, type MultimodalConfigInput } from './config.js';
import { getFusion } from './fusions/registry.js';
import { LABEL_FIELD, checkMultimodalDataset, presenceField, type MultimodalDataset } from './modality.js';
import { missingTemplates, withModalityDropout, withoutModality, type MissingTemplate } from './modality-masking.js';
import { labelObjective } from './objective.js';
import { accuracyOfLogits, meanLogits, predictLogits } from './predict.js';
import { prepareMultimodal, type PreparedData } from './prepare.js';
import type { FusionSummary, MultimodalResult, MultimodalSeedResult } from './result.js';
import { coTrainingMarkdown, runCoTraining, type CoTrainingResult } from './teaching/co-training.js';
import { crossModalMutualMarkdown, runCrossModalMutual, type CrossModalMutualResult } from './teaching/cross-modal-mutual.js';
import { hideLabels } from './teaching/hide-labels.js';
import { alignmentReportMarkdown } from './alignment/alignment-report.js';
import type { AlignmentResult } from './alignment/alignment-result.js';
import { runAlignment, type ZeroShotPrompts } from './alignment/run-alignment.js';
import { ConfigError } from '../errors.js';

/** The raw data of a run: a training and a test split (see `loadMultimodalData` in jointly-ml/node). */
export interface MultimodalRawData {
  readonly train: MultimodalDataset;
  readonly test: MultimodalDataset;
  /** One line for logs and reports. */
  readonly description: string;
  /** Class prompts of a text modality, for zero-shot classification (e.g. "a photo of a sandal"), with each prompt's class. */
  readonly prompts?: { readonly modality: string; readonly texts: readonly string[]; readonly classes: readonly number[] };
}

/** Which model a phase trains. */
export type MultimodalPhase = { readonly kind: 'alone'; readonly modality: string } | { readonly kind: 'fused'; readonly fusion: string };

/**
 * The progress events of {@link runMultimodal}: the data prepared, each seed's start, each model's
 * phase start, steps, epochs and end (with its test accuracy and trained member), and each teaching
 * method's start and end (with its report as Markdown).
 */
export type MultimodalEvent =
  | { type: 'prepared'; data: string; prepared: PreparedData }
  | { type: 'seed-start'; seed: number; index: number; total: number }
  | { type: 'phase-start'; seed: number; phase: MultimodalPhase; epochs: number; stepsPerEpoch: number }
  | { type: 'step'; seed: number; phase: MultimodalPhase; progress: TrainProgress }
  | { type: 'epoch'; seed: number; phase: MultimodalPhase; record: EpochRecord; remainingEpochs: number; stepsPerEpoch: number }
  | { type: 'phase-end'; seed: number; phase: MultimodalPhase; accuracy: number; member: Member; seconds: number }
  | { type: 'teaching-start'; seed: number; method: 'co-training' | 'cross-modal' | 'alignment' }
  | { type: 'teaching-end'; seed: number; method: 'co-training' | 'cross-modal' | 'alignment'; markdown: string };

/** What {@link runMultimodal} takes besides the config: how to load the data, an event callback, and the backend name for the result. */
export interface RunMultimodalOptions {
  /** The data: in Node, `loadMultimodalData(config.data)` from jointly-ml/node; in memory, your own splits. */
  loadData: (config: MultimodalConfig) => MultimodalRawData;
  /**
   * Called with every event. A returned promise is awaited, except for `step` events, whose
   * rejection fails the run at the end of that epoch; the member of a `phase-end` event is disposed
   * once the call returns.
   */
  onEvent?: (event: MultimodalEvent) => void | Promise<void>;
  /** Name of the active backend, for the result. Default `tf.getBackend()`. */
  backend?: string;
}

function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Labels of each fusion: the name, or the name with its options when two fusions share a name. */
export function fusionLabels(fusions: readonly { name: string; options: unknown }[]): string[] {
  return fusions.map((f) => {
    const twins = fusions.filter((g) => g.name === f.name).length > 1;
    if (!twins) return f.name;
    const opts = Object.entries((f.options ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    return `${f.name}(${opts})`;
  });
}

/** Runs every seed of a multimodal experiment; the config is validated first. */
export async function runMultimodal(input: MultimodalConfigInput | MultimodalConfig, opts: RunMultimodalOptions): Promise<MultimodalResult> {
  const config = MultimodalConfigSchema.parse(input);
  const emit = async (e: MultimodalEvent): Promise<void> => {
    await opts.onEvent?.(e);
  };
  const fusionEntries = config.fusions.map((f) => getFusion(f.name));
  const labels = fusionLabels(config.fusions);
  const raw = opts.loadData(config);
  checkMultimodalDataset(raw.train, 'the training split');
  checkMultimodalDataset(raw.test, 'the test split');
  const prepared = prepareMultimodal(config, raw.train, raw.test);
  await emit({ type: 'prepared', data: raw.description, prepared });
  const templates: MissingTemplate[] = missingTemplates(prepared.modalities, raw.train);
  const trainSource = fieldSource(prepared.train);
  const testSource = fieldSource(prepared.test);
  const fields = describeFields(prepared.train);
  const testLabels = (prepared.test.fields[LABEL_FIELD] as ClassesField).labels;
  const testMask = (prepared.test.fields[LABEL_FIELD] as ClassesField).mask;
  const classes = prepared.numClasses;
  // Each test sample's presence of each modality (config order), for the ensemble and the robustness table.
  const testPresence = prepared.modalities.map((m) => {
    const f = prepared.test.fields[presenceField(m.name)];
    return f.kind === 'float' ? f.values : undefined;
  });
  /** The labelled test samples that keep a modality when `removed` is taken away (others could only be predicted from nothing). */
  const keptWithout = (removed: number): Uint8Array =>
    Uint8Array.from({ length: prepared.test.length }, (_, i) => ((testMask === undefined || testMask[i] === 1) && testPresence.some((p, m) => m !== removed && (p === undefined || p[i] > 0)) ? 1 : 0));
  // Every fused model is built once before any training, so that a fusion that cannot take these modalities fails at once.
  for (const [f, fusion] of config.fusions.entries()) {
    const probe = buildFusedModel({ modalities: prepared.modalities, fusion: { name: fusion.name, options: fusion.options }, units: prepared.numClasses, seed: 0, name: `check-${f}`, init: config.init, missing: config.missing.handling });
    probe.model.dispose();
  }
  const stepsPerEpoch = Math.ceil(trainSource.length / config.training.batchSize);
  const seeds: MultimodalSeedResult[] = [];

  for (const [index, seed] of config.seeds.entries()) {
    await emit({ type: 'seed-start', seed, index, total: config.seeds.length });
    const losses: Record<string, number[]> = {};

    /** Trains one model; returns its member (the caller disposes it) and training seconds. */
    const trainPhase = async (phase: MultimodalPhase, named: NamedModel, source: BatchSource, objectiveModality: string | undefined): Promise<{ member: Member; seconds: number }> => {
      const member = createMember({ name: phase.kind === 'alone' ? `alone-${phase.modality}` : `fused-${phase.fusion}`, model: named.model, optimizer: createOptimizer(config.training.optimizer), inputs: named.inputs, heads: named.heads, outputs: named.outputs });
      try {
        checkMemberFields(member, fields);
        await emit({ type: 'phase-start', seed, phase, epochs: config.training.epochs, stepsPerEpoch });
        let failure: { error: unknown } | undefined;
        const key = phase.kind === 'alone' ? `alone/${phase.modality}` : `fused/${phase.fusion}`;
        losses[key] = [];
        const records = await train({
          members: [member],
          objective: labelObjective(objectiveModality),
          data: source,
          epochs: config.training.epochs,
          batchSize: config.training.batchSize,
          seed: deriveSeed(seed, 'shuffle'),
          onProgress: (progress) => {
            Promise.resolve(opts.onEvent?.({ type: 'step', seed, phase, progress })).catch((error: unknown) => {
              failure ??= { error };
            });
          },
          onEpochEnd: async (record) => {
            if (failure !== undefined) throw failure.error;
            losses[key].push(record.losses.loss ?? Number.NaN);
            await emit({ type: 'epoch', seed, phase, record, remainingEpochs: config.training.epochs - record.epoch, stepsPerEpoch });
          },
        });
        return { member, seconds: records.reduce((s, r) => s + r.seconds, 0) };
      } catch (err) {
        disposeMembers([member]);
        throw err;
      }
    };

    const alone: Record<string, number> = {};
    const aloneLogits: Float32Array[] = [];
    const seconds = { alone: {} as Record<string, number>, fused: {} as Record<string, number> };
    const params = { alone: {} as Record<string, number>, fused: {} as Record<string, number> };
    for (const m of prepared.modalities) {
      const phase: MultimodalPhase = { kind: 'alone', modality: m.name };
      const named = buildAloneModel({ modality: m, units: classes, seed, name: `alone-${m.name}`, init: config.init });
      const { member, seconds: s } = await trainPhase(phase, named, trainSource, m.name);
      try {
        const logits = predictLogits(member, testSource, classes);
        aloneLogits.push(logits);
        alone[m.name] = accuracyOfLogits(logits, testLabels, classes, testMask);
        seconds.alone[m.name] = s;
        params.alone[m.name] = trainableCount(member.model);
        await emit({ type: 'phase-end', seed, phase, accuracy: alone[m.name], member, seconds: s });
      } finally {
        disposeMembers([member]);
      }
    }
    const ensemble = accuracyOfLogits(meanLogits(aloneLogits, classes, testPresence), testLabels, classes, testMask);

    const fused: Record<string, number> = {};
    const robustness: Record<string, Record<string, number>> = {};
    for (const [f, fusion] of config.fusions.entries()) {
      const label = labels[f];
      const phase: MultimodalPhase = { kind: 'fused', fusion: label };
      const named = buildFusedModel({ modalities: prepared.modalities, fusion: { name: fusion.name, options: fusion.options }, units: classes, seed, name: `fused-${fusion.name}-${f}`, init: config.init, missing: config.missing.handling });
      const source = withModalityDropout(trainSource, templates, config.missing.dropout, deriveSeed(seed, `dropout/${label}`));
      const { member, seconds: s } = await trainPhase(phase, named, source, undefined);
      try {
        fused[label] = accuracyOfLogits(predictLogits(member, testSource, classes), testLabels, classes, testMask);
        seconds.fused[label] = s;
        params.fused[label] = trainableCount(member.model);
        if (config.missing.robustness && prepared.modalities.length > 1) {
          robustness[label] = {};
          prepared.modalities.forEach((m, r) => {
            robustness[label][m.name] = accuracyOfLogits(predictLogits(member, withoutModality(testSource, templates, m.name), classes), testLabels, classes, keptWithout(r));
          });
        }
        await emit({ type: 'phase-end', seed, phase, accuracy: fused[label], member, seconds: s });
      } finally {
        disposeMembers([member]);
      }
    }
    let coTraining: CoTrainingResult | undefined;
    if (config.coTraining !== undefined) {
      await emit({ type: 'teaching-start', seed, method: 'co-training' });
      const { labelsPerClass, ...options } = config.coTraining;
      const hidden = hideLabels(prepared.train, { perClass: labelsPerClass, seed: deriveSeed(seed, 'hide-labels') });
      coTraining = await runCoTraining({ train: hidden.data, test: prepared.test, views: prepared.modalities, seed, options: { ...options, init: config.init }, truth: hidden.truth });
      await emit({ type: 'teaching-end', seed, method: 'co-training', markdown: coTrainingMarkdown(coTraining) });
    }
    let alignment: AlignmentResult | undefined;
    if (config.alignment !== undefined) {
      await emit({ type: 'teaching-start', seed, method: 'alignment' });
      const { between, zeroShot, ...options } = config.alignment;
      const [a, b] = between ?? prepared.modalities.slice(0, 2).map((m) => m.name);
      const tower = (name: string | undefined, which: string) => {
        const found = prepared.modalities.find((m) => m.name === name);
        if (found === undefined) throw new ConfigError(`alignment.between`, `alignment needs two modalities, and ${which} '${String(name)}' is not one of the run's (${prepared.modalities.map((m) => m.name).join(', ')})`, 'name two of the run\'s modalities in alignment.between');
        return found;
      };
      const towers = { a: tower(a, 'a'), b: tower(b, 'b') };
      const prompts = raw.prompts;
      let shot: ZeroShotPrompts | undefined;
      if (zeroShot && prompts !== undefined && prompts.modality === towers.b.name) {
        shot = { tower: 'b', promptClasses: prompts.classes, prompts: { kind: 'text', texts: prompts.texts }, preprocessor: towers.b.fitted };
      }
      alignment = await runAlignment({ towers, train: prepared.train, test: prepared.test, seed, options: { ...options, init: config.init }, ...(shot === undefined ? {} : { zeroShot: shot }), ...(opts.backend === undefined ? {} : { backend: opts.backend }) });
      await emit({ type: 'teaching-end', seed, method: 'alignment', markdown: alignmentReportMarkdown(alignment) });
    }
    let crossModal: CrossModalMutualResult | undefined;
    if (config.crossModal !== undefined) {
      await emit({ type: 'teaching-start', seed, method: 'cross-modal' });
      const { method, ...options } = config.crossModal;
      crossModal = await runCrossModalMutual({
        train: prepared.train,
        test: prepared.test,
        views: prepared.modalities,
        method: { name: method.name, options: method.options },
        seed,
        options: { ...options, ...config.training, init: config.init },
      });
      await emit({ type: 'teaching-end', seed, method: 'cross-modal', markdown: crossModalMutualMarkdown(crossModal) });
    }
    seeds.push({ seed, alone, ensemble, fused, robustness, seconds, params, losses, ...(coTraining === undefined ? {} : { coTraining }), ...(alignment === undefined ? {} : { alignment }), ...(crossModal === undefined ? {} : { crossModal }) });
  }
  const fusions: FusionSummary[] = config.fusions.map((f, i) => ({ label: labels[i], name: f.name, options: f.options, description: fusionEntries[i].description }));
  return {
    name: config.name,
    data: raw.description,
    modalities: prepared.modalities.map((m) => ({
      name: m.name,
      kind: m.kind,
      encoder: m.encoder.type,
      preprocessor: m.preprocessor.name,
      presentTrain: raw.train.present?.[m.name]?.reduce((s, v) => s + v, 0) ?? raw.train.length,
    })),
    fusions,
    missing: { handling: config.missing.handling, dropout: config.missing.dropout },
    ...(prepared.classNames === undefined ? {} : { classNames: prepared.classNames }),
    numClasses: classes,
    trainSamples: prepared.train.length,
    testSamples: prepared.test.length,
    epochs: config.training.epochs,
    backend: opts.backend ?? tf.getBackend(),
    seeds,
  };
}
