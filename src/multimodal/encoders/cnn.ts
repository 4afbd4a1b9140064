/** `cnn`: the model-spec CNN body (convolution blocks, flatten, dense layers) as an image encoder. */
import { z } from 'zod';
import { CnnSpecSchema } from '../../engine/model-spec.js';
import type { RegisteredEncoder } from '../encoder.js';
import { imageBody } from './image-body.js';

/** The cnn spec's options; `init` defaults to the run's `init`, not to glorot. */
export const CnnEncoderOptionsSchema = CnnSpecSchema.omit({ type: true, name: true, init: true }).extend({ init: z.enum(['glorot', 'torch']).optional() }).strict();

export const cnnEncoder: RegisteredEncoder<ReturnType<typeof CnnEncoderOptionsSchema.parse>> = {
  name: 'cnn',
  description: 'convolution blocks, flatten and dense layers (the cnn model spec) over [height, width, channels] images or spectrograms',
  kinds: ['image', 'signal'],
  options: CnnEncoderOptionsSchema,
  optionNames: Object.keys(CnnEncoderOptionsSchema.shape),
  build: (options, ctx) => imageBody({ ...options, init: options.init ?? ctx.init, type: 'cnn' }, ctx),
};
