/**
 * The federated wire protocol: versioned binary messages (see format.md), their codec, tensor
 * packing and reply validation. Transport-independent and browser-safe.
 */
export { encodeMessage, decodeMessage } from './codec.js';
export { DEFAULT_LIMITS, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_MESSAGE_BYTES, resolveLimits, type MessageLimits } from './limits.js';
export {
  FORMAT_VERSION,
  SUPPORTED_FORMAT_VERSIONS,
  MESSAGE_TYPE_CODES,
  errorForRefusal,
  type ByeMessage,
  type ClientCapabilities,
  type ErrorMessage,
  type EvaluateMessage,
  type EvaluateMetrics,
  type EvaluateReplyMessage,
  type FitMessage,
  type FitReplyMessage,
  type HeartbeatMessage,
  type HelloMessage,
  type Message,
  type MessageOf,
  type MessageType,
  type RefuseMessage,
  type WelcomeMessage,
} from './messages.js';
export { packParams, unpackParams, shapeSize, type NamedTensor, type TensorSpec } from './tensors.js';
export {
  validateFitReply,
  validateEvaluateReply,
  refusalMessage,
  type FitReplyExpectations,
  type EvaluateReplyExpectations,
  type ReplyRefusal,
  type ReplyRefusalCode,
  type ReplyValidation,
} from './validate-reply.js';
