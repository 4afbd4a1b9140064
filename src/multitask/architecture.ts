/**
 * The contract of a multi-task architecture: how the tasks share a model. An architecture builds
 * one tfjs model with one input and one output (head) per task, from a trunk spec (the body
 * that is shared, or copied into experts or columns) and a head spec. Any architecture works with
 * any weighting (LibMTL keeps the two axes orthogonal). One file per architecture, listed in
 * architectures/registry.ts.
 *
 * Seeds: every part of the model (the trunk, expert e, task t's gate, tower or head) draws its
 * initial weights from a seed derived from the build seed and the part's own label (e.g.
 * `deriveSeed(seed, 'head/' + task)`), never from its position among the tasks, so that building
 * the same architecture for one task alone gives exactly the initial weights that task's parts
 * have in the multi-task model: single-task baselines start where the multi-task model starts.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { z } from 'zod';
import type { HeadOutput } from '../engine/head-output.js';
import type { ModelSpec } from '../engine/model-spec.js';

/** One task's head as the architecture builds it. */
export interface HeadPlan {
  /** Task name: the head's (and the data target's) name. */
  readonly task: string;
  /** Output units (classes, labels or values). */
  readonly units: number;
  /** `logits` for classification tasks, `value` for regression. */
  readonly output: Extract<HeadOutput, 'logits' | 'value'>;
}

/** The task heads' hidden layers (the same for every task). */
export interface HeadSpec {
  /** Hidden dense layers of each head before its output layer. */
  readonly hidden: readonly number[];
  readonly activation: ModelSpec['activation'];
  readonly dropout: number;
  /** `glorot` or `torch` initial weights of the heads. */
  readonly init: 'glorot' | 'torch';
}

/** What an architecture builds a model from: the input field and shape, the task heads, the trunk and head specs, the seed and the model name. */
export interface ArchitectureBuild {
  /** Data field the model reads. */
  readonly input: string;
  /** Shape of one input sample. */
  readonly inputShape: readonly number[];
  /** The tasks' heads, in output order. */
  readonly heads: readonly HeadPlan[];
  /**
   * The shared body: an `mlp`/`cnn` spec (copied into experts or columns where the architecture
   * has several), or a user's tfjs model mapping one input to features (hard sharing only).
   */
  readonly trunk: ModelSpec | tfl.LayersModel;
  /** The hidden layers of every task's head. */
  readonly head: HeadSpec;
  /** Seed of the initial weights (see the seeding rule above). */
  readonly seed: number;
  /** Model name; tfjs layer names are prefixed with it. */
  readonly name: string;
  /**
   * Also output the shared representation (the one tensor every head reads) as an extra, last
   * output, for representation-gradient methods. Only architectures with `representation: true`
   * are asked.
   */
  readonly withRepresentation: boolean;
}

/** What an architecture builds. */
export interface MultiTaskModel {
  /** Outputs: one per head, in `heads` order; then the representation when asked. */
  readonly model: tfl.LayersModel;
}

/** An architecture as the registry holds it. */
export interface RegisteredArchitecture<Options = unknown> {
  /** Registry name, e.g. `hard-sharing`, `mmoe`, `cgc`, `ple`, `cross-stitch`, `mtan`. */
  readonly name: string;
  readonly summary: string;
  /** The paper, e.g. "Ma et al., KDD 2018". */
  readonly reference: string;
  /** Whether every head reads one shared representation tensor (representation-gradient methods need it). */
  readonly representation: boolean;
  /** Trunk kinds it accepts: `mlp`, `cnn`, `model` (a user's tfjs model). */
  readonly trunks: readonly ('mlp' | 'cnn' | 'model')[];
  /** Options, validated by the run config; every field has a default. */
  readonly options: z.ZodType<Options>;
  readonly optionNames: readonly string[];
  /** Builds the multi-task model (one output per head, in `build.heads` order) from parsed options. */
  build(options: Options, build: ArchitectureBuild): MultiTaskModel;
}
