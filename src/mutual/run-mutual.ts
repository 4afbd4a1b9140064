/**
 * Runs a mutual-learning experiment: for every seed, trains the cohort alone (each model on its
 * own) and jointly (with the method), on the same data, initial weights, batch order and budget,
 * and scores both on the test set. That pairing is what the joint-versus-alone report compares.
 */
import { datasetSource } from '../engine/batch.js';
import { evaluate, type Evaluation, type Scores } from '../engine/evaluate.js';
import { checkMemberFields, createMember, disposeMembers, type Member } from '../engine/member.js';
import { createModel } from '../engine/model-source.js';
import { createOptimizer } from '../engine/optimizer.js';
import { deriveSeed } from '../engine/random.js';
import type { RunIo } from '../engine/run-io.js';
import { train, type EpochRecord, type TrainProgress } from '../engine/trainer.js';
import { describeFields, toFields } from '../data/fields.js';
import { experimentSchema, prepareExperimentData, type ExperimentData, type RawData } from '../data/prepare.js';
import type { DataSchema } from '../data/schema.js';
import { ConfigError, DataMissingError } from '../errors.js';
import { independentObjective } from './methods/independent.js';
import { MutualConfigSchema, type MutualConfig, type MutualConfigInput } from './config.js';
import { getMutualMethod } from './registry.js';

export type Phase = 'alone' | 'joint';

/**
 * What {@link runMutual} reports through `onEvent`, by `type`: a seed starts, a phase (`alone` or
 * `joint`) starts, a training step, an epoch ends (with validation scores when there is a
 * validation split), and a phase ends with its test scores. The members of `phase-end` are disposed
 * after the seed, so save or read them inside the handler.
 */
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
  /** `test` scores the models the report compares; `members` is every model the phase trained (to save them, with `schema`: their training data's). */
  | { type: 'phase-end'; seed: number; phase: Phase; test: Evaluation; members: readonly Member[]; schema: DataSchema };

/** One seed of a mutual-learning run: the test scores of the same models trained alone and jointly, and of the fixed ones. */
export interface SeedResult {
  /** The run seed of this replicate. */
  seed: number;
  /** Names of the scored models (the ones the joint phase trains). */
  models: string[];
  /** Test scores of the scored models after the alone (independent) phase. */
  alone: Evaluation;
  /** Test scores of the scored models after the joint phase. */
  joint: Evaluation;
  /** Models used but not trained jointly (e.g. the distillation teacher), with test scores. */
  fixed: { name: string; role: string; test: Scores }[];
  /** Training seconds of each phase. */
  seconds: Record<Phase, number>;
}

/** What {@link runMutual} returns: the parsed config, the method name, the data description and one result per seed. */
export interface MutualResult {
  /** The parsed config the run used. */
  config: MutualConfig;
  /** Name of the mutual-learning method. */
  method: string;
  /** One-line description of the data (of the last seed's splits). */
  data: string;
  /** One result per seed, in config order. */
  seeds: SeedResult[];
}

/** Options of {@link runMutual}, all optional: progress events, and the data in memory or an io to read the config's files and saved models. */
export interface RunMutualOptions {
  /** Progress, per-epoch metrics and finished phases. */
  onEvent?: (event: MutualEvent) => void | Promise<void>;
  /**
   * The data in memory: a training set and optionally a test set. The config's splits, subsets
   * and label noise still apply; its dataset and file fields are not used.
   */
  data?: RawData;
  /** Reads the data files the config names and `saved` models (in Node: `nodeIo` from jointly-ml/node). */
  io?: RunIo;
}

/** The last segment of a path, for display. */
function folderName(path: string): string {
  const last = path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  return last === '' || last === '.' || last === '..' ? 'saved' : last;
}

/** Display names of the cohort: the spec's name or `<type>-<i>`, made unique. */
export function memberNames(config: MutualConfig): string[] {
  const used = new Set<string>();
  return config.models.map((spec, i) => {
    const base = spec.name ?? (spec.type === 'saved' ? folderName(spec.path) : `${spec.type}-${i + 1}`);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return name;
  });
}

async function buildCohort(config: MutualConfig, data: ExperimentData, seed: number, io: RunIo | undefined): Promise<Member[]> {
  const names = memberNames(config);
  const fields = describeFields(toFields(data.train, { target: config.head }));
  const members: Member[] = [];
  try {
    for (const [i, spec] of config.models.entries()) {
      const named = await createModel(spec, { fields, head: config.head, seed: deriveSeed(seed, `model-${i}`), name: names[i], ...(io === undefined ? {} : { loadSaved: io.loadSaved }) });
      const member = createMember({ name: names[i], optimizer: createOptimizer(config.training.optimizer), ...named });
      members.push(member);
      if (!member.heads.includes(config.head)) {
        throw new ConfigError('head', `model '${member.name}' has no head '${config.head}' (heads: ${member.heads.join(', ')})`, `name the model's head "${config.head}", or set the config's head to one of its heads`);
      }
      checkMemberFields(member, fields);
    }
  } catch (err) {
    disposeMembers(members);
    throw err;
  }
  return members;
}

/** The raw data of a run: given in memory, or read once through the io. */
function rawData(config: MutualConfig, opts: RunMutualOptions): RawData {
  if (opts.data !== undefined) return opts.data;
  if (opts.io === undefined) {
    throw new DataMissingError(
      `the config's data (dataset '${config.data.dataset}') is read from files, and no io was given to read them`,
      "in Node, pass io: nodeIo (from 'jointly-ml/node'); anywhere, pass data: { train, test } in memory",
    );
  }
  return opts.io.loadData(config.data);
}

/** Runs every seed of a mutual-learning experiment; the config is validated first. */
export async function runMutual(input: MutualConfigInput | MutualConfig, opts: RunMutualOptions = {}): Promise<MutualResult> {
  const config = MutualConfigSchema.parse(input);
  const method = getMutualMethod(config.method.name);
  const emit = async (e: MutualEvent): Promise<void> => {
    await opts.onEvent?.(e);
  };
  const results: SeedResult[] = [];
  const raw = rawData(config, opts);
  const head = config.head;
  let dataDescription = '';
  for (const [index, seed] of config.seeds.entries()) {
    const data = prepareExperimentData(raw, config.data, seed);
    dataDescription = data.description;
    await emit({ type: 'seed-start', seed, index, total: config.seeds.length, data: data.description });
    const trainSource = datasetSource(data.train, { head });
    const testSource = datasetSource(data.test, { head });
    const valSource = data.validation === undefined ? undefined : datasetSource(data.validation, { head });
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
          const validation = valSource === undefined ? undefined : evaluate({ members, data: valSource, head });
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
      alone.push(...(await buildCohort(config, data, seed, opts.io)));
      const aloneSeconds = await runPhase('alone', alone, independentObjective(head));
      jointMembers.push(...(await buildCohort(config, data, seed, opts.io)));
      const setup = method.setup(config.method.options, { members: jointMembers, aloneMembers: alone, labelNoise: data.labelNoise, head });
      const jointSeconds = await runPhase('joint', setup.trained, setup.objective);

      const scored = setup.trained.map((m) => m.name);
      const aloneScored = scored.map((name) => alone.find((m) => m.name === name) as Member);
      const aloneTest = evaluate({ members: aloneScored, data: testSource, head });
      const jointTest = evaluate({ members: setup.trained, data: testSource, head });
      // The alone phase trained the whole cohort (e.g. also the distillation teacher): all of it is handed on.
      // The feature pipeline (CSV options, encodings, impute values, scaling) travels with the models.
      const schema = experimentSchema(data);
      await emit({ type: 'phase-end', seed, phase: 'alone', test: aloneTest, members: alone, schema });
      await emit({ type: 'phase-end', seed, phase: 'joint', test: jointTest, members: [...setup.trained], schema });
      const fixed = (setup.fixed ?? []).map(({ member, role }) => ({
        name: member.name,
        role,
        test: evaluate({ members: [member], data: testSource, head }).members[0],
      }));
      results.push({ seed, models: scored, alone: aloneTest, joint: jointTest, fixed, seconds: { alone: aloneSeconds, joint: jointSeconds } });
    } finally {
      disposeMembers(alone);
      disposeMembers(jointMembers);
    }
  }
  return { config, method: method.name, data: dataDescription, seeds: results };
}
