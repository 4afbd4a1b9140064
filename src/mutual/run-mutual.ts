/**
 * Runs a mutual-learning experiment: for every seed, trains the cohort alone (each model on its
 * own) and jointly (with the method), on the same data, initial weights, batch order and budget,
 * and scores both on the test set. That pairing is what the joint-versus-alone report compares.
 */
import { basename, resolve } from 'node:path';
import { datasetSource } from '../engine/batch.js';
import { evaluate, type Evaluation, type Scores } from '../engine/evaluate.js';
import { checkMemberShapes, createMember, type Member } from '../engine/member.js';
import { createModel } from '../engine/model-source.js';
import { createOptimizer } from '../engine/optimizer.js';
import { deriveSeed } from '../engine/random.js';
import { train, type EpochRecord, type TrainProgress } from '../engine/trainer.js';
import { loadExperimentData, type ExperimentData, type RawDataCache } from '../data/load.js';
import { independentObjective } from './methods/independent.js';
import { MutualConfigSchema, type MutualConfig, type MutualConfigInput } from './config.js';
import { getMutualMethod } from './registry.js';

export type Phase = 'alone' | 'joint';

export type MutualEvent =
  | { type: 'seed-start'; seed: number; index: number; total: number; data: string }
  | { type: 'phase-start'; seed: number; phase: Phase; epochs: number; stepsPerEpoch: number; members: string[] }
  | { type: 'step'; seed: number; phase: Phase; progress: TrainProgress }
  | {
      type: 'epoch';
      seed: number;
      phase: Phase;
      record: EpochRecord;
      /** Epochs of this phase still to run. */
      remainingEpochs: number;
      stepsPerEpoch: number;
      members: string[];
      validation: Evaluation | undefined;
    }
  /** `test` scores the models the report compares; `members` is every model the phase trained (to save them). */
  | { type: 'phase-end'; seed: number; phase: Phase; test: Evaluation; members: readonly Member[] };

export interface SeedResult {
  seed: number;
  /** Names of the scored models (the ones the joint phase trains). */
  models: string[];
  alone: Evaluation;
  joint: Evaluation;
  /** Models used but not trained jointly (e.g. the distillation teacher), with test scores. */
  fixed: { name: string; role: string; test: Scores }[];
  /** Training seconds of each phase. */
  seconds: Record<Phase, number>;
}

export interface MutualResult {
  config: MutualConfig;
  method: string;
  data: string;
  seeds: SeedResult[];
}

export interface RunMutualOptions {
  /** Progress, per-epoch metrics and finished phases. */
  onEvent?: (event: MutualEvent) => void | Promise<void>;
}

/** Display names of the cohort: the spec's name or `<type>-<i>`, made unique. */
export function memberNames(config: MutualConfig): string[] {
  const used = new Set<string>();
  return config.models.map((spec, i) => {
    const base = spec.name ?? (spec.type === 'saved' ? basename(resolve(spec.path)) : `${spec.type}-${i + 1}`);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return name;
  });
}

async function buildCohort(config: MutualConfig, data: ExperimentData, seed: number): Promise<Member[]> {
  const names = memberNames(config);
  const members: Member[] = [];
  for (const [i, spec] of config.models.entries()) {
    const model = await createModel(spec, {
      inputShape: data.train.sampleShape,
      numClasses: data.train.numClasses,
      seed: deriveSeed(seed, `model-${i}`),
      name: names[i],
    });
    const member = createMember({ name: names[i], model, optimizer: createOptimizer(config.training.optimizer) });
    members.push(member);
    checkMemberShapes(member, { input: 'x', sampleShape: data.train.sampleShape, head: 'y', numClasses: data.train.numClasses });
  }
  return members;
}

function disposeCohort(members: readonly Member[]): void {
  for (const m of members) {
    m.model.dispose();
    m.optimizer.dispose();
  }
}

/** Runs every seed of a mutual-learning experiment; the config is validated first. */
export async function runMutual(input: MutualConfigInput | MutualConfig, opts: RunMutualOptions = {}): Promise<MutualResult> {
  const config = MutualConfigSchema.parse(input);
  const method = getMutualMethod(config.method.name);
  const emit = async (e: MutualEvent): Promise<void> => {
    await opts.onEvent?.(e);
  };
  const results: SeedResult[] = [];
  const cache: RawDataCache = new Map();
  let dataDescription = '';
  for (const [index, seed] of config.seeds.entries()) {
    const data = loadExperimentData(config.data, seed, { cache });
    dataDescription = data.description;
    await emit({ type: 'seed-start', seed, index, total: config.seeds.length, data: data.description });
    const trainSource = datasetSource(data.train);
    const testSource = datasetSource(data.test);
    const valSource = data.validation === undefined ? undefined : datasetSource(data.validation);
    const stepsPerEpoch = Math.ceil(trainSource.length / config.training.batchSize);

    const runPhase = async (phase: Phase, members: readonly Member[], objective: Parameters<typeof train>[0]['objective']): Promise<number> => {
      await emit({ type: 'phase-start', seed, phase, epochs: config.training.epochs, stepsPerEpoch, members: members.map((m) => m.name) });
      // Step events are not awaited (they come every step); a failed handler stops the run at the epoch's end.
      let stepFailure: { error: unknown } | undefined;
      const onStep = (progress: TrainProgress): void => {
        Promise.resolve(opts.onEvent?.({ type: 'step', seed, phase, progress })).catch((error: unknown) => {
          stepFailure ??= { error };
        });
      };
      const records = await train({
        members,
        objective,
        data: trainSource,
        epochs: config.training.epochs,
        batchSize: config.training.batchSize,
        seed: deriveSeed(seed, 'shuffle'),
        onProgress: onStep,
        onEpochEnd: async (record) => {
          if (stepFailure !== undefined) throw stepFailure.error;
          const validation = valSource === undefined ? undefined : evaluate({ members, data: valSource });
          await emit({
            type: 'epoch',
            seed,
            phase,
            record,
            remainingEpochs: config.training.epochs - record.epoch,
            stepsPerEpoch,
            members: members.map((m) => m.name),
            validation,
          });
        },
      });
      return records.reduce((s, r) => s + r.seconds, 0);
    };

    const alone: Member[] = [];
    const jointMembers: Member[] = [];
    try {
      alone.push(...(await buildCohort(config, data, seed)));
      const aloneSeconds = await runPhase('alone', alone, independentObjective());
      jointMembers.push(...(await buildCohort(config, data, seed)));
      const setup = method.setup(config.method.options, { members: jointMembers, aloneMembers: alone, labelNoise: data.labelNoise });
      const jointSeconds = await runPhase('joint', setup.trained, setup.objective);

      const scored = setup.trained.map((m) => m.name);
      const aloneScored = scored.map((name) => alone.find((m) => m.name === name) as Member);
      const aloneTest = evaluate({ members: aloneScored, data: testSource });
      const jointTest = evaluate({ members: setup.trained, data: testSource });
      // The alone phase trained the whole cohort (e.g. also the distillation teacher): all of it is handed on.
      await emit({ type: 'phase-end', seed, phase: 'alone', test: aloneTest, members: alone });
      await emit({ type: 'phase-end', seed, phase: 'joint', test: jointTest, members: [...setup.trained] });
      const fixed = (setup.fixed ?? []).map(({ member, role }) => ({
        name: member.name,
        role,
        test: evaluate({ members: [member], data: testSource }).members[0],
      }));
      results.push({ seed, models: scored, alone: aloneTest, joint: jointTest, fixed, seconds: { alone: aloneSeconds, joint: jointSeconds } });
    } finally {
      disposeCohort(alone);
      disposeCohort(jointMembers);
    }
  }
  return { config, method: method.name, data: dataDescription, seeds: results };
}
