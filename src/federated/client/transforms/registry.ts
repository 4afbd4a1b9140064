/**
 * The update transforms, in the order they run on a reply. Adding one: its round-config entries in
 * `options.ts`, its implementation in a file of its own, one line here. Browser-safe.
 */
import { compressTransform } from './compress.js';
import { dpClipNoiseTransform } from './dp-clip-noise.js';
import type { UpdateTransform } from './transform.js';

/** The transforms, in the order they run (privacy first, then any encoding of what is sent). */
export const UPDATE_TRANSFORMS: readonly UpdateTransform[] = [dpClipNoiseTransform, compressTransform];
