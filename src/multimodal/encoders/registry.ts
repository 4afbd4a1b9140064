/** The encoders by name (a spec's `type`). Adding one: add a file in this folder and a line here. */
import { UnknownNameError } from '../../errors.js';
import type { RegisteredEncoder } from '../encoder.js';
import { cnnEncoder } from './cnn.js';
import { embeddingPoolEncoder } from './embedding-pool.js';
import { mlpEncoder } from './mlp.js';
import { signalConvEncoder } from './signal-conv.js';
import { tabularEncoder } from './tabular.js';
import { textConvEncoder } from './text-conv.js';
import { transformerEncoder } from './transformer.js';

/** Every encoder, in registry order (options are erased: `build` takes what its own schema parsed). */
const ENCODERS: readonly RegisteredEncoder[] = [
  mlpEncoder,
  cnnEncoder,
  tabularEncoder,
  signalConvEncoder,
  embeddingPoolEncoder,
  textConvEncoder,
  transformerEncoder,
];

/** The names of the registered encoders (a spec's `type`), in registry order. */
export const ENCODER_NAMES: readonly string[] = ENCODERS.map((e) => e.name);

/** Every registered encoder, in registry order. */
export function listEncoders(): readonly RegisteredEncoder[] {
  return ENCODERS;
}

/** The encoder registered under `name`, or undefined when there is none ({@link getEncoder} throws instead). */
export function findEncoder(name: string): RegisteredEncoder | undefined {
  return ENCODERS.find((e) => e.name === name);
}

/** The encoder registered under `name`; UnknownNameError lists the valid names. */
export function getEncoder(name: string): RegisteredEncoder {
  const found = findEncoder(name);
  if (found === undefined) throw new UnknownNameError('encoder', name, ENCODER_NAMES);
  return found;
}
