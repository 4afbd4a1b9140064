/** Size limits applied when encoding and decoding protocol messages, with their defaults in one place. */
import { ConfigError } from '../../errors.js';

/** Limits on one message. Every field is optional where limits are accepted; missing ones take the defaults. */
export interface MessageLimits {
  /** Largest whole message, in bytes (prefix, header, padding and payload). Default 256 MiB. */
  maxMessageBytes: number;
  /** Largest JSON header, in bytes. Default 1 MiB. */
  maxHeaderBytes: number;
}

/** 256 MiB: room for a model of about 64 million float32 parameters plus extras. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** 1 MiB: the header holds only small fields and the tensor table. */
export const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<MessageLimits> = Object.freeze({
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
});

/** Fills in defaults and checks that each limit is a positive safe integer. */
export function resolveLimits(limits: Partial<MessageLimits> = {}): MessageLimits {
  const resolved: MessageLimits = {
    maxMessageBytes: limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxHeaderBytes: limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ConfigError(`limits.${key}`, `must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}
