/**
 * jointly's tfjs layers for text (and any token sequence), registered for serialization when this
 * module is imported: a saved model that uses them loads only after that, so whatever loads
 * multimodal models imports this file (the text encoders import it too).
 */
export { ApplyMask } from './apply-mask.js';
export { ClsToken } from './cls-token.js';
export { embeddingInitializer, type InitKind } from './embedding-init.js';
export { LayerNorm } from './layer-norm.js';
export { MaskedPooling, maskedPool, MASKED_VALUE, POOLINGS, type Pooling } from './masked-pooling.js';
export { MultiHeadAttention, scaledDotProductAttention, type MultiHeadAttentionArgs } from './multi-head-attention.js';
export { PaddingMask } from './padding-mask.js';
export { PositionEmbedding } from './position-embedding.js';
export { SliceSteps } from './slice-steps.js';
export { embeddingLookup, TokenEmbedding, type TokenEmbeddingArgs } from './token-embedding.js';
