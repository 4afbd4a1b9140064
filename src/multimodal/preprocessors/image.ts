/**
 * `image`: images (or any fixed-shape float features) as they are: one float field of the
 * modality's shape, zeros where the modality is missing. Fits nothing but the shape, which it
 * checks on every split (an image of the wrong shape is refused, not reshaped).
 */
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import type { Field } from '../../data/fields.js';
import type { ModalityData } from '../modality.js';
import type { FittedPreprocessor, RegisteredPreprocessor } from '../preprocessor.js';

export const ImagePreprocessorOptionsSchema = z
  .object({
    /** Reshape every sample to this shape (same number of values), e.g. [28, 28, 1] for flat 784-value rows. Default: the data's shape. */
    shape: z.array(z.number().int().positive()).min(1).optional(),
  })
  .strict();
export type ImagePreprocessorOptions = z.infer<typeof ImagePreprocessorOptionsSchema>;

const StateSchema = z.object({ shape: z.array(z.number().int().positive()).min(1) }).strict();

function fitted(name: string, shape: readonly number[]): FittedPreprocessor {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    info: { kind: 'image', fields: [name], shapes: { [name]: shape } },
    state: () => ({ shape: [...shape] }),
    transform(data: ModalityData, modality: string, present?: Uint8Array): Record<string, Field> {
      if (data.kind !== 'image') throw new ShapeMismatchError(`modality '${modality}' is ${data.kind} data, but it was fitted as an image`, 'give this modality image data, or configure it with its own kind');
      const dataSize = data.shape.reduce((a, b) => a * b, 1);
      if (dataSize !== size) {
        throw new ShapeMismatchError(`modality '${modality}' has images of shape [${data.shape.join(', ')}], but its model was made for [${shape.join(', ')}]`, 'give images of the shape the model was trained on');
      }
      let values = data.values;
      if (present !== undefined && present.some((p) => p === 0)) {
        values = Float32Array.from(data.values);
        for (let i = 0; i < present.length; i++) if (present[i] === 0) values.fill(0, i * size, (i + 1) * size);
      }
      return { [modality]: { kind: 'float', values, shape } };
    },
  };
}

export const imagePreprocessor: RegisteredPreprocessor<ImagePreprocessorOptions> = {
  name: 'image',
  kind: 'image',
  description: 'float features of a fixed shape, as they are (optionally reshaped); zeros where missing',
  options: ImagePreprocessorOptionsSchema,
  optionNames: Object.keys(ImagePreprocessorOptionsSchema.shape),
  fit(data, name, options) {
    if (data.kind !== 'image') throw new ShapeMismatchError(`modality '${name}' is ${data.kind} data, not an image`, `use a ${data.kind} preprocessor for it`);
    const shape = options.shape ?? data.shape;
    const size = data.shape.reduce((a, b) => a * b, 1);
    if (shape.reduce((a, b) => a * b, 1) !== size) {
      throw new ConfigError(`modalities.${name}.preprocess.shape`, `shape [${shape.join(', ')}] does not hold the ${size} values of a sample of shape [${data.shape.join(', ')}]`, 'give a shape with as many values as a sample');
    }
    return fitted(name, shape);
  },
  restore(state, name) {
    const parsed = StateSchema.safeParse(state);
    if (!parsed.success) throw new ConfigError(`preprocessing.${name}`, `the saved state of image modality '${name}' is not valid: ${parsed.error.issues[0]?.message ?? ''}`, 'save the model again with this version of jointly');
    return fitted(name, parsed.data.shape);
  },
};
