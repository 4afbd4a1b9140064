/**
 * A federated run's global model as a saved model: the task's architecture with the global
 * parameters, in the tfjs layers format (model.json + weights.bin), with the federation's data
 * schema (class names in index order, feature names, input shape) and the round it comes from in
 * the `jointly` entry. jointly loads it back (`loadSavedModel`, `jointly evaluate`), and so does
 * `tf.loadLayersModel` in a browser. `GlobalModelSaver` is what the two runtimes use to keep the
 * final model and, optionally, the best one (highest server-side test accuracy, ties to the
 * earliest round). Browser-safe: the files are written by the store it is given (in Node,
 * `folderModelStore` from model-io.ts).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';
import { nameModel } from '../engine/member.js';
import { namesEntry, SavedRoundSchema, WEIGHTS_FILE, type JointlyModelNames, type ModelArtifacts, type ModelJson, type ModelStore, type SavedRound } from '../engine/model-artifacts.js';
import type { CoordinatorEvent, CoordinatorResult, GlobalScores, RoundRecord } from './server/coordinator.js';
import { buildTaskModel, taskSchema, type FederatedTask } from './task.js';

/** Sub-folder (store name) of the model after the last round. */
export const FINAL_MODEL = 'model';
/** Sub-folder (store name) of the model of the best round. */
export const BEST_MODEL = 'best-model';

/**
 * The parts of a global model's model.json that do not depend on the parameters (topology,
 * weight specs, names and schema), read once from the task's model; `artifacts` then turns any
 * global parameters into a saved model without building a model, synchronously.
 */
export class GlobalModelFormat {
  private constructor(
    private readonly topology: ModelJson['modelTopology'],
    private readonly specs: ModelJson['weightsManifest'][number]['weights'],
    private readonly names: JointlyModelNames,
    /** Floats in the global parameters. */
    readonly paramCount: number,
  ) {}

  /** The format of the task's global model. */
  static of(task: FederatedTask): GlobalModelFormat {
    const model = buildTaskModel(task, 0);
    try {
      return GlobalModelFormat.fromModel(model, task);
    } finally {
      model.dispose();
    }
  }

  /** The format of a model built for the task (not disposed). */
  static fromModel(model: tfl.LayersModel, task: FederatedTask): GlobalModelFormat {
    const specs = model.weights.map((w) => {
      if (w.dtype !== 'float32') {
        throw new ShapeMismatchError(`the global model's weight ${w.originalName} is ${w.dtype}`, 'federated models have float32 weights only');
      }
      return { name: w.originalName, shape: w.shape.map((d) => d ?? 0), dtype: 'float32' as const };
    });
    const paramCount = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    // What model.save() writes as modelTopology (tfjs-layers' LayersModel.save calls toJSON(null, false)).
    const topology = model.toJSON(null, false) as ModelJson['modelTopology'];
    const names = namesEntry(nameModel({ name: 'global', model }), { schema: taskSchema(task) });
    return new GlobalModelFormat(topology, specs, names, paramCount);
  }

  /** The saved model of these global parameters (in the order of the model's weights, as `readParams` gives them). */
  artifacts(params: Float32Array, round?: SavedRound): ModelArtifacts {
    if (params.length !== this.paramCount) {
      throw new ShapeMismatchError(`the global parameters have ${params.length} values but the task's model has ${this.paramCount}`, 'save parameters of the task they were trained for');
    }
    const weights = new Uint8Array(params.byteLength);
    weights.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
    const jointly: JointlyModelNames = { ...structuredClone(this.names), ...(round === undefined ? {} : { round: SavedRoundSchema.parse(round) }) };
    return {
      json: {
        modelTopology: structuredClone(this.topology),
        format: 'layers-model',
        generatedBy: 'jointly',
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: structuredClone(this.specs) }],
        jointly,
      },
      weights,
    };
  }
}

/** The saved model of a task's global parameters (see `GlobalModelFormat` to save many). */
export function globalModelArtifacts(task: FederatedTask, params: Float32Array, round?: SavedRound): ModelArtifacts {
  return GlobalModelFormat.of(task).artifacts(params, round);
}

/** Which global models a run saves (the `output` section of a federated config). */
export interface GlobalModelOutput {
  /** Save the model after the last round. */
  saveModel: boolean;
  /** Save the model of the round with the best server-side test accuracy. */
  saveBest: boolean;
}

/** A global model the run saved. */
export interface SavedGlobalModel {
  /** Where it is (what the store returned, e.g. `<run folder>/model`). */
  path: string;
  round: number;
  /** Server-side test accuracy after that round (null: not evaluated). */
  accuracy: number | null;
}

/** The global models a run saved. */
export interface SavedGlobalModels {
  final?: SavedGlobalModel;
  best?: SavedGlobalModel;
}

export interface GlobalModelSaverOptions {
  task: FederatedTask;
  /** Rounds the run is configured for. */
  rounds: number;
  output: GlobalModelOutput;
  store: ModelStore;
  /** Lines for the operator (e.g. why a resumed run's best model covers only its later rounds). */
  log?: (line: string) => void;
}

/** A finite number, or null (JSON has no NaN). */
function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** The earliest round with the highest finite test accuracy, if any was evaluated. */
function bestRound(history: readonly RoundRecord[]): RoundRecord | undefined {
  let best: RoundRecord | undefined;
  for (const r of history) {
    const acc = r.evaluation?.accuracy;
    if (acc !== undefined && Number.isFinite(acc) && (best === undefined || acc > (best.evaluation?.accuracy as number))) best = r;
  }
  return best;
}

/**
 * Keeps a run's final and best global models. The runtimes call `offer` from their
 * `evaluateGlobal` callback (the parameters are copied when their accuracy beats the best so
 * far), `onEvent` with every coordinator event (the best model is written at the end of its
 * round, after the checkpoint, so that the saved best always belongs to a checkpointed round),
 * and `finish` with the coordinator's result (writes the final model, also of an interrupted
 * run: its last completed round). On resume, the best so far is read back from the store and
 * checked against the restored history.
 */
export class GlobalModelSaver {
  private format: GlobalModelFormat | undefined;
  /** The best round written so far (or found on resume). */
  private best: { round: number; accuracy: number; loss: number | null; path?: string } | undefined;
  /** Parameters offered in the current round that beat `best`, not yet written. */
  private candidate: { params: Float32Array; scores: GlobalScores } | undefined;

  constructor(private readonly opts: GlobalModelSaverOptions) {}

  private artifacts(params: Float32Array, round: SavedRound): ModelArtifacts {
    this.format ??= GlobalModelFormat.of(this.opts.task);
    return this.format.artifacts(params, round);
  }

  /** Called with the parameters and scores of every server-side evaluation; returns the scores. */
  offer(params: Float32Array, scores: GlobalScores): GlobalScores {
    if (this.opts.output.saveBest && Number.isFinite(scores.accuracy) && (this.best === undefined || scores.accuracy > this.best.accuracy)) {
      this.candidate = { params: params.slice(), scores: { ...scores } };
    }
    return scores;
  }

  /** Called with every coordinator event. */
  onEvent(e: CoordinatorEvent): void {
    if (e.type === 'resumed') this.resumed(e.round, e.history);
    if (e.type !== 'round-end') return;
    const candidate = this.candidate;
    this.candidate = undefined;
    const acc = e.record.evaluation?.accuracy;
    // The candidate is this round's when its accuracy is the one the round recorded.
    if (candidate === undefined || acc !== candidate.scores.accuracy) return;
    if (this.best !== undefined && !(acc > this.best.accuracy)) return;
    const round: SavedRound = { kind: 'best', round: e.record.round, rounds: this.opts.rounds, accuracy: acc, loss: finite(candidate.scores.loss) };
    const path = this.opts.store.write(BEST_MODEL, this.artifacts(candidate.params, round));
    this.best = { round: e.record.round, accuracy: acc, loss: round.loss, path };
  }

  /** Takes the best round before the resume from the store when it is the restored history's best. */
  private resumed(round: number, history: readonly RoundRecord[]): void {
    if (!this.opts.output.saveBest) return;
    const inHistory = bestRound(history);
    if (inHistory === undefined) return;
    const json = this.opts.store.readJson(BEST_MODEL) as Partial<ModelJson> | undefined;
    const saved = SavedRoundSchema.safeParse(json?.jointly?.round);
    const accuracy = inHistory.evaluation?.accuracy as number;
    if (saved.success && saved.data.kind === 'best' && saved.data.round === inHistory.round && saved.data.accuracy === accuracy) {
      this.best = { round: saved.data.round, accuracy, loss: saved.data.loss };
      return;
    }
    this.opts.log?.(
      `best model: round ${inHistory.round} (test accuracy ${(accuracy * 100).toFixed(2)}%), the best of the ${round} round(s) before the resume, was not saved (output.saveBest was off, or the run stopped before it was written); ${BEST_MODEL}/ will hold the best of the rounds after round ${round}`,
    );
  }

  /** Writes the final model (when configured) and returns what the run saved. */
  finish(result: Pick<CoordinatorResult, 'params' | 'round' | 'history'>): SavedGlobalModels {
    const saved: SavedGlobalModels = {};
    if (this.opts.output.saveModel && result.round > 0) {
      const last = result.history.find((r) => r.round === result.round);
      const round: SavedRound = { kind: 'final', round: result.round, rounds: this.opts.rounds, accuracy: finite(last?.evaluation?.accuracy), loss: finite(last?.evaluation?.loss) };
      saved.final = { path: this.opts.store.write(FINAL_MODEL, this.artifacts(result.params, round)), round: result.round, accuracy: round.accuracy };
    }
    if (this.best !== undefined) {
      saved.best = { path: this.best.path ?? this.opts.store.path(BEST_MODEL), round: this.best.round, accuracy: this.best.accuracy };
    }
    const pct = (a: number | null): string => (a === null ? 'not evaluated' : `test accuracy ${(a * 100).toFixed(2)}%`);
    if (saved.final !== undefined) this.opts.log?.(`global model of round ${saved.final.round} (${pct(saved.final.accuracy)}) saved to ${saved.final.path}`);
    if (saved.best !== undefined) this.opts.log?.(`best global model: round ${saved.best.round} (${pct(saved.best.accuracy)}), saved to ${saved.best.path}`);
    return saved;
  }
}
