/**
 * A mutual-learning method: how a cohort of models teach each other. One method per file in
 * `methods/`, found by name through `registry.ts`.
 */
import type { z } from 'zod';
import type { Member } from '../engine/member.js';
import type { Objective } from '../engine/objective.js';

/** What a method's `setup` gets: the fresh members of the joint phase, the members trained alone, the label-noise rate and the head. */
export interface MethodContext {
  /** Fresh members (same initial weights as the alone run) for the joint phase. */
  readonly members: readonly Member[];
  /** The same architectures after independent training (the alone run), already finished. */
  readonly aloneMembers: readonly Member[];
  /** Label-noise rate of the training data, when known (co-teaching uses it as its default forget rate). */
  readonly labelNoise: number;
  /** The head the cohort learns (the config's `head`): every member's output and the batch's target of that name. */
  readonly head: string;
}

/** What a method's `setup` returns: the objective of the joint phase and which members it trains or only uses. */
export interface JointSetup {
  /** The loss of the joint phase over the cohort's outputs. */
  readonly objective: Objective;
  /** The members the joint phase trains and the report scores (e.g. only the students in distillation). */
  readonly trained: readonly Member[];
  /** Members used but not trained in the joint phase, with their role (e.g. the teacher). */
  readonly fixed?: readonly { member: Member; role: string }[];
}

/**
 * A mutual-learning method as written in `methods/`: its name, options schema, the number of
 * models it takes, and `setup`, which builds the joint phase. The registry erases `Options` (see {@link RegisteredMethod}).
 */
export interface MutualMethod<Options = unknown> {
  /** Registry name, e.g. `dml`. */
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /** Schema of the method's options, with defaults. */
  readonly options: z.ZodType<Options>;
  /** Fewest models the method needs. */
  readonly minModels: number;
  /** Most models the method accepts (undefined: no limit). */
  readonly maxModels?: number;
  /** Builds the joint phase from validated options. */
  setup(options: Options, ctx: MethodContext): JointSetup;
}
