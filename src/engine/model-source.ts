/**
 * Where a member's model comes from: built from a spec (`mlp`, `cnn`, `graph`) or loaded from a
 * saved tfjs layers model (`saved`), e.g. a model trained by an earlier run or outside jointly.
 * Loading needs files: the loader is passed in (jointly-ml/node has one), so this file stays browser-safe.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { FieldInfo } from '../data/fields.js';
import { buildGraphModel, GraphSpecSchema } from './graph-spec.js';
import type { NamedModel } from './member.js';
import { buildModel, CnnSpecSchema, MlpSpecSchema } from './model-spec.js';

/**
 * Validates a `saved` model spec: a model loaded from a folder in the tfjs layers format,
 * optionally frozen (`trainable: false`). One member of {@link MemberModelSpecSchema}.
 */
export const SavedModelSpecSchema = z
  .object({
    type: z.literal('saved'),
    /** Folder with model.json and its weights (a run folder's models/seed-<s>/<phase>/<name>, or any tfjs layers model). */
    path: z.string().min(1),
    /** Display name; default: the folder's name. */
    name: z.string().min(1).optional(),
    /** false: the model is used as it is and never updated (e.g. a trained teacher). Default true. */
    trainable: z.boolean().default(true),
  })
  .strict();

/** Any model a member can have. */
export const MemberModelSpecSchema = z.discriminatedUnion('type', [MlpSpecSchema, CnnSpecSchema, GraphSpecSchema, SavedModelSpecSchema]);
/**
 * A parsed member model spec (`mlp`, `cnn`, `graph` or `saved`), with every default filled in (see
 * {@link MemberModelSpecSchema}).
 */
export type MemberModelSpec = z.infer<typeof MemberModelSpecSchema>;
/** The input shape of a member model spec before defaults (see {@link MemberModelSpecSchema}). */
export type MemberModelSpecInput = z.input<typeof MemberModelSpecSchema>;

/** Loads a saved model (model.json and weights) from a path, with its names. */
export type SavedModelLoader = (path: string) => Promise<NamedModel>;

/**
 * Options of {@link createModel}: the data's fields, the input and head names of `mlp`/`cnn`
 * models, the seed, the model name and the loader of `saved` models.
 */
export interface CreateModelOptions {
  /**
   * The data's fields (see `describeFields`). `mlp`/`cnn` models read the float input `input` and
   * output the classes of target `head`; graph inputs and heads take their shapes from here.
   */
  fields: Readonly<Record<string, FieldInfo>>;
  /** Input an `mlp`/`cnn` model reads. Default `x`. */
  input?: string;
  /** Head (classes target) an `mlp`/`cnn` model writes. Default `y`. */
  head?: string;
  /** Seed of the initial weights and dropout masks. */
  seed: number;
  /** Model name (tfjs layer names are prefixed with it). */
  name?: string;
  /** Reads `saved` models; without it they cannot be used (in Node: `loadNamedModel` from jointly-ml/node). */
  loadSaved?: SavedModelLoader;
}

/**
 * A fresh model for the spec: built with the seed, or loaded (every call loads the saved weights
 * again, so each phase of a run starts from them). Frozen models have no trainable weights.
 */
export async function createModel(specInput: MemberModelSpecInput, opts: CreateModelOptions): Promise<NamedModel> {
  const spec = MemberModelSpecSchema.parse(specInput);
  const input = opts.input ?? 'x';
  const head = opts.head ?? 'y';
  switch (spec.type) {
    case 'mlp':
    case 'cnn': {
      const inField = opts.fields[input];
      const outField = opts.fields[head];
      if (inField?.kind !== 'float') throw new ConfigError('models', `an ${spec.type} reads the float input '${input}', which the data does not have`, 'use a graph model for other inputs');
      if (outField?.kind !== 'classes') throw new ConfigError('models', `an ${spec.type} writes the classes target '${head}', which the data does not have`, 'use a graph model for other targets');
      const model = buildModel(spec, { inputShape: inField.shape, numClasses: outField.numClasses, seed: opts.seed, ...(opts.name === undefined ? {} : { name: opts.name }) });
      return { model, inputs: [input], heads: [head], outputs: { [head]: 'logits' } };
    }
    case 'graph':
      return buildGraphModel(spec, { fields: opts.fields, seed: opts.seed, ...(opts.name === undefined ? {} : { name: opts.name }) });
    case 'saved': {
      if (opts.loadSaved === undefined) {
        throw new ConfigError('models', `the saved model ${spec.path} cannot be read here: no model loader was given`, "in Node, pass loadSaved: loadNamedModel (from 'jointly-ml/node'); in a browser, build the model and pass it in code");
      }
      const named = await opts.loadSaved(spec.path);
      named.model.trainable = spec.trainable;
      // A saved single-head classifier reads and writes the run's names.
      if (named.inputs.length === 1 && named.heads.length === 1) {
        return { model: named.model, inputs: [input], heads: [head], outputs: { [head]: named.outputs[named.heads[0]] } };
      }
      return named;
    }
  }
}
