/** SecAgg+ secure aggregation (Bell et al. 2020 over Bonawitz et al. 2017): the public surface. */
export {
  DEFAULT_CLIP_RANGE,
  DEFAULT_FRACTION_BITS,
  addInPlace,
  checkRingCapacity,
  decodeSum,
  maxFractionBits,
  maxQuantized,
  quantizationErrorBound,
  quantizationScale,
  quantize,
  subtractInPlace,
  validateQuantization,
  type Quantization,
} from './ring.js';
export { combine, split, type Share } from './shamir.js';
export { expandMask, SEED_BYTES } from './prg.js';
export { buildGraph, defaultNeighbourCount, defaultThreshold, type SecAggGraph } from './graph.js';
export {
  deriveMaskSeed,
  deriveShareKey,
  exportPrivateKey,
  generateKeyPair,
  importPrivateKey,
  KEY_BYTES,
  openBundle,
  sealBundle,
  sharedSecret,
  type BundleBinding,
  type SecAggCryptoKey,
  type SecAggKeyPair,
} from './keys.js';
export { secureRandomBytes, secureUniform, type RandomBytes, type UniformSource } from './random.js';
export * from './messages.js';
export { hypergeometricTail, neighboursForDropout } from './neighbours-for-dropout.js';
export { securePayload, splitSecureSum, payloadLength, type SecureSum } from './secure-payload.js';
export { createSecAggSetup, MAX_NEIGHBOURS, parseSecAggSetup, validateSetup, type SecAggSetupOptions } from './setup.js';
export { BUNDLE_PLAINTEXT_BYTES, SEALED_BUNDLE_BYTES, SecAggClient, shareX, type SecAggClientOptions, type SecAggClientStage } from './client.js';
export { SecAggServer, type SecAggResult, type SecAggServerOptions, type SecAggServerStage, type SecAggSecretEvent, type SecAggTraceEvent, type SecAggVectorEvent } from './server.js';
export { runInProcessRound, type InProcessRoundOptions, type InProcessRoundReport, type RefusedMessage, type SecAggStageName } from './driver.js';
export { measureSecAggRound, type MeasureSecAggOptions, type SecAggMeasurement } from './measure.js';
