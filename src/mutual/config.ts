/** The config of a mutual-learning experiment (the `mode: mutual` config file), validated by zod. */
import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backend-registry.js';
import { SeedsSchema } from '../engine/seeds-schema.js';
import { MemberModelSpecSchema } from '../engine/model-source.js';
import { OptimizerSpecSchema } from '../engine/optimizer.js';
import { DataConfigSchema } from '../data/config.js';
import { findMutualMethod, MUTUAL_METHOD_NAMES } from './registry.js';

const methodNames = MUTUAL_METHOD_NAMES as [string, ...string[]];

/** `method: { name, ...options }`; the options are checked by the named method's own schema. */
export const MethodConfigSchema = z
  .preprocess(
    // A parsed config has `{ name, options }`; accepting it again keeps parsing idempotent.
    (value) => {
      if (typeof value !== 'object' || value === null) return value;
      const { options, ...rest } = value as { options?: unknown };
      return typeof options === 'object' && options !== null ? { ...rest, ...options } : value;
    },
    z
      .object({
        /** The mutual-learning method (`jointly info` lists them); its options sit next to the name. */
        name: z.enum(methodNames),
      })
      .catchall(z.unknown()),
  )
  .superRefine((value, ctx) => {
    const method = findMutualMethod(value.name);
    if (method === undefined) return;
    const { name: _name, ...options } = value;
    const parsed = method.options.safeParse(options);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} for method '${method.name}'; its options are ${method.optionNames.join(', ')}`
            : issue.message;
        ctx.addIssue({ code: 'custom', path: issue.path, message });
      }
    }
  })
  .transform((value) => {
    const { name, ...options } = value;
    return { name, options: getOptions(name, options) };
  });

function getOptions(name: string, options: unknown): unknown {
  const method = findMutualMethod(name);
  return method === undefined ? options : method.options.parse(options);
}

/** Training of every model: epochs, batch size, optimizer and the budget, the same for each arm of a comparison. */
export const TrainingConfigSchema = z
  .object({
    /** Passes over the training data. Default 10. */
    epochs: z.number().int().positive().default(10),
    /** Samples per step. Default 128. */
    batchSize: z.number().int().positive().default(128),
    /** Each model's optimizer (each gets its own state). Default Adam, learning rate 1e-3. */
    optimizer: OptimizerSpecSchema.prefault({ name: 'adam' }),
  })
  .strict();

/** Where a run writes: the run folder's parent and whether the trained models are saved (every mode's `output`). */
export const OutputConfigSchema = z
  .object({
    /** Parent folder of run folders. Default `runs`. */
    dir: z.string().default('runs'),
    /** Save the trained models (tfjs layers format; multimodal: with their preprocessing). Default true. */
    saveModels: z.boolean().default(true),
  })
  .strict();

/**
 * Validates a mutual-learning experiment config (`mode: mutual`) and fills in its defaults; the
 * parsed type is {@link MutualConfig}. Also checks the method's own options and that the number of
 * models suits the method.
 */
export const MutualConfigSchema = z
  .object({
    mode: z.literal('mutual'),
    /** Run name, used for the run folder. Default `mutual`. */
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash and underscore').default('mutual'),
    /** Seeds: each one is a full joint-vs-alone replicate. Default [0]. */
    seeds: SeedsSchema,
    /** Tensor backend. Default `auto`. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    data: DataConfigSchema.prefault({}),
    /** Name of the head the cohort learns and is scored on: the data's class target (and the models' output). Default `y`. */
    head: z.string().regex(/^[A-Za-z_][\w.-]*$/, 'use letters, digits, dot, dash and underscore, starting with a letter or underscore').default('y'),
    /** The cohort: one model spec per member. */
    models: z
      .array(MemberModelSpecSchema)
      .min(1)
      .refine((models) => models.some((m) => m.type !== 'saved' || m.trainable), 'at least one model must be trainable'),
    /** The mutual-learning method and its options, e.g. `{ "name": "dml", "temperature": 1 }`. */
    method: MethodConfigSchema,
    /** Epochs, batch size and optimizer, the same for the alone and the joint phase. */
    training: TrainingConfigSchema.prefault({}),
    output: OutputConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const method = findMutualMethod(cfg.method.name);
    if (method === undefined) return;
    if (cfg.models.length < method.minModels) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: `method '${method.name}' needs at least ${method.minModels} models, got ${cfg.models.length}` });
    }
    if (method.maxModels !== undefined && cfg.models.length > method.maxModels) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: `method '${method.name}' takes at most ${method.maxModels} models, got ${cfg.models.length}` });
    }
  });

/** A parsed mutual-learning config, with defaults filled in and `method` as `{ name, options }` (see {@link MutualConfigSchema}). */
export type MutualConfig = z.infer<typeof MutualConfigSchema>;
/** A mutual-learning config as written, before defaults are applied; the method's options sit next to its `name`. */
export type MutualConfigInput = z.input<typeof MutualConfigSchema>;
