/** The config of a multi-task experiment (the `mode: multitask` config file), validated by zod. */
import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backend-registry.js';
import { ACTIVATIONS, ModelSpecSchema } from '../engine/model-spec.js';
import { SeedsSchema } from '../engine/seeds-schema.js';
import { MultitaskDataConfigSchema } from '../data/multitask/config.js';
import { TrainingConfigSchema } from '../mutual/config.js';
import { ARCHITECTURE_NAMES, findArchitecture } from './architectures/registry.js';
import { namedOptionsSchema } from '../engine/named-options.js';
import { TaskConfigSchema } from './task.js';
import { findWeighting, WEIGHTING_NAMES } from './weightings/registry.js';

/** `architecture: { name, ...options }`; the options are checked by the named architecture's schema. */
export const ArchitectureConfigSchema = namedOptionsSchema('architecture', ARCHITECTURE_NAMES, findArchitecture, {});

/** `weighting: { name, representation?, ...options }`; the options are checked by the named method's schema. */
export const WeightingConfigSchema = namedOptionsSchema('weighting', WEIGHTING_NAMES, findWeighting, {
  /**
   * Gradient methods: take the gradients of the shared representation (the tensor every head
   * reads) instead of the shared parameters: one backward pass through the trunk instead of one
   * per task (MGDA-UB's own variant). Needs an architecture with one shared representation
   * (hard-sharing). Default false.
   */
  representation: z.boolean().default(false),
});

/** Validates the `head` section of a multi-task config: the hidden layers, activation, dropout and initialisation of each task's head. */
export const HeadConfigSchema = z
  .object({
    /** Hidden dense layers of each task's head before its output layer. Default none. */
    hidden: z.array(z.number().int().positive()).default([]),
    /** Activation of the heads' hidden layers. Default `relu`. */
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** Dropout after each hidden layer of a head. Default 0. */
    dropout: z.number().min(0).max(0.95).default(0),
    /** Initial weights of the heads: `glorot` or `torch` (PyTorch's default). Default: the trunk's `init`. */
    init: z.enum(['glorot', 'torch']).optional(),
  })
  .strict();

/**
 * Validates a multi-task experiment config (`mode: multitask`) and fills in its defaults; the
 * parsed type is {@link MultitaskConfig}. Also refuses combinations that cannot run: a
 * representation-gradient weighting without support for it, a trunk type the architecture does
 * not take, or a gradient method with fewer than two tasks.
 */
export const MultitaskConfigSchema = z
  .object({
    mode: z.literal('multitask'),
    /** Run name, used for the run folder. Default `multitask`. */
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash and underscore').default('multitask'),
    /** Seeds: each one is a full multi-task vs single-task replicate. Default [0]. */
    seeds: SeedsSchema,
    /** Tensor backend. Default `auto`. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    data: MultitaskDataConfigSchema.prefault({}),
    /** The tasks, each a target field of the data (its head has the same name). Default: every target of the data. */
    tasks: z.array(TaskConfigSchema).min(1).optional(),
    /** The shared body: an `mlp` or `cnn` spec (copied into experts or columns by architectures that have several). Default an MLP with hidden layers [256, 128]. */
    trunk: ModelSpecSchema.prefault({ type: 'mlp' }),
    /** Each task's head on top of the shared part. */
    head: HeadConfigSchema.prefault({}),
    /** How the tasks share the model. Default `hard-sharing`. */
    architecture: ArchitectureConfigSchema.prefault({ name: 'hard-sharing' }),
    /** How the tasks' losses or gradients become one update. Default `ew` (the sum of the losses). */
    weighting: WeightingConfigSchema.prefault({ name: 'ew' }),
    training: TrainingConfigSchema.prefault({}),
    output: z
      .object({
        /** Parent folder of run folders. Default `runs`. */
        dir: z.string().default('runs'),
        /** Save the trained multi-task models (tfjs layers format). Default true. */
        saveModels: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const weighting = findWeighting(cfg.weighting.name);
    const architecture = findArchitecture(cfg.architecture.name);
    if (weighting === undefined || architecture === undefined) return;
    if (cfg.weighting.representation) {
      if (weighting.kind !== 'gradient' || !weighting.representation) {
        ctx.addIssue({ code: 'custom', path: ['weighting', 'representation'], message: `weighting '${weighting.name}' ${weighting.kind === 'loss' ? 'is a loss weighting: it uses no gradients' : 'has no representation-gradient variant'}; leave representation out` });
      } else if (!architecture.representation) {
        ctx.addIssue({ code: 'custom', path: ['weighting', 'representation'], message: `architecture '${architecture.name}' has no single representation that every head reads (each task reads its own mixture or column); use representation: false, or the hard-sharing architecture` });
      }
    }
    const trunkKind = cfg.trunk.type;
    if (!architecture.trunks.includes(trunkKind)) {
      ctx.addIssue({ code: 'custom', path: ['trunk', 'type'], message: `architecture '${architecture.name}' takes ${architecture.trunks.filter((t) => t !== 'model').join(' or ')} trunks, not ${trunkKind}` });
    }
    if (cfg.tasks !== undefined && cfg.tasks.length < 2 && weighting.kind === 'gradient') {
      ctx.addIssue({ code: 'custom', path: ['tasks'], message: `gradient method '${weighting.name}' needs two or more tasks sharing parameters; with one task use the ew weighting` });
    }
  });

/** A parsed multi-task experiment config, with defaults filled in (see {@link MultitaskConfigSchema}). */
export type MultitaskConfig = z.infer<typeof MultitaskConfigSchema>;
/** A multi-task experiment config as written, before defaults are applied: every field with a default is optional. */
export type MultitaskConfigInput = z.input<typeof MultitaskConfigSchema>;
