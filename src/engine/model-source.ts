/**
 * Where a member's model comes from: built from a spec (`mlp`, `cnn`) or loaded from a saved
 * tfjs layers model (`saved`), e.g. a model trained by an earlier run or outside jointly.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { buildModel, CnnSpecSchema, MlpSpecSchema, type BuildModelOptions } from './model-spec.js';
import { loadModel } from './model-io.js';

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
export const MemberModelSpecSchema = z.discriminatedUnion('type', [MlpSpecSchema, CnnSpecSchema, SavedModelSpecSchema]);
export type MemberModelSpec = z.infer<typeof MemberModelSpecSchema>;
export type MemberModelSpecInput = z.input<typeof MemberModelSpecSchema>;

/**
 * A fresh model for the spec: built with the seed, or loaded from disk (every call loads the
 * saved weights again, so each phase of a run starts from them). Frozen models have no trainable weights.
 */
export async function createModel(specInput: MemberModelSpecInput, opts: BuildModelOptions): Promise<tfl.LayersModel> {
  const spec = MemberModelSpecSchema.parse(specInput);
  if (spec.type !== 'saved') return buildModel(spec, opts);
  const model = await loadModel(spec.path);
  model.trainable = spec.trainable;
  return model;
}
