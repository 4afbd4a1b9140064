/** `mlp`: the model-spec MLP body (flatten, hidden dense layers) as an encoder of float features (images, signals, a table's numbers). */
import { z } from 'zod';
import { MlpSpecSchema } from '../../engine/model-spec.js';
import type { RegisteredEncoder } from '../encoder.js';
import { imageBody } from './image-body.js';

/** The mlp spec's options; `init` defaults to the run's `init`, not to glorot. */
export const MlpEncoderOptionsSchema = MlpSpecSchema.omit({ type: true, name: true, init: true }).extend({ init: z.enum(['glorot', 'torch']).optional() }).strict();

export const mlpEncoder: RegisteredEncoder<ReturnType<typeof MlpEncoderOptionsSchema.parse>> = {
  name: 'mlp',
  description: 'flatten and hidden dense layers (the mlp model spec); the last hidden layer is the embedding',
  kinds: ['image', 'signal'],
  options: MlpEncoderOptionsSchema,
  optionNames: Object.keys(MlpEncoderOptionsSchema.shape),
  build: (options, ctx) => imageBody({ ...options, init: options.init ?? ctx.init, type: 'mlp' }, ctx),
};
