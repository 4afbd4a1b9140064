/**
 * Typed errors with stable codes. Every error jointly throws on purpose is a JointlyError:
 * its `code` never changes between versions, its message names the cause and the fix, and
 * the CLI maps it to an exit status (see `exitCodeFor`).
 */
import { didYouMean } from './report/did-you-mean.js';

/**
 * The stable code of a {@link JointlyError}. Codes never change between versions; each maps to a
 * CLI exit status in {@link EXIT_CODES}.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'DATA_MISSING'
  | 'DATA_MALFORMED'
  | 'SHAPE_MISMATCH'
  | 'NON_FINITE_LOSS'
  | 'BACKEND_UNAVAILABLE'
  | 'UNKNOWN_NAME'
  | 'OBJECTIVE_INVALID'
  | 'OUTPUT_FAILED'
  | 'ROUND_REFUSED'
  | 'PROTOCOL'
  | 'AUTH_REFUSED'
  | 'CHECKPOINT_INVALID'
  | 'NETWORK';

/** Exit status of the CLI for each error code. 1 is reserved for unexpected failures. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  USAGE: 2,
  CONFIG_INVALID: 2,
  UNKNOWN_NAME: 2,
  DATA_MISSING: 3,
  DATA_MALFORMED: 3,
  SHAPE_MISMATCH: 4,
  NON_FINITE_LOSS: 5,
  BACKEND_UNAVAILABLE: 6,
  OBJECTIVE_INVALID: 2,
  OUTPUT_FAILED: 7,
  ROUND_REFUSED: 8,
  PROTOCOL: 9,
  AUTH_REFUSED: 10,
  CHECKPOINT_INVALID: 11,
  NETWORK: 12,
};

/**
 * Base class of every error jointly throws on purpose. It carries a stable {@link ErrorCode}, a
 * message naming the cause, and an optional hint saying what to do; `name` is the subclass name.
 */
export class JointlyError extends Error {
  /** The stable code, e.g. `CONFIG_INVALID`. */
  readonly code: ErrorCode;
  /** What the user can do about it; printed under the message by the CLI. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  /** The CLI exit status for this error's code, looked up in {@link EXIT_CODES} (2 to 12). */
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** A config file or options object does not match the schema. */
export class ConfigError extends JointlyError {
  /** Dotted path of the offending field, e.g. `method.temperature`. */
  readonly path: string;
  constructor(path: string, message: string, hint?: string) {
    super('CONFIG_INVALID', path ? `${path}: ${message}` : message, hint);
    this.path = path;
  }
}

/** The command line itself is wrong (unknown command, missing argument). */
export class UsageError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, hint);
  }
}

/**
 * A name looked up in a registry (method, dataset, backend, ...) does not exist. The message
 * adds "did you mean" with the closest known names when one is close (`report/did-you-mean.ts`).
 */
export class UnknownNameError extends JointlyError {
  constructor(kind: string, name: string, known: readonly string[]) {
    const suggestion = didYouMean(name, known);
    super('UNKNOWN_NAME', `unknown ${kind} '${name}'${suggestion === '' ? '' : `; ${suggestion}`}`, `use one of: ${known.join(', ')}`);
  }
}

/** Data files are missing. */
export class DataMissingError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('DATA_MISSING', message, hint);
  }
}

/** Data files exist but cannot be parsed, or their contents are inconsistent. */
export class DataMalformedError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('DATA_MALFORMED', message, hint);
  }
}

/** A model and its data (or two tensors that must agree) have incompatible shapes. */
export class ShapeMismatchError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('SHAPE_MISMATCH', message, hint);
  }
}

/** A loss became NaN or infinite during training. */
export class NonFiniteLossError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('NON_FINITE_LOSS', message, hint);
  }
}

/** The requested tensor backend cannot be loaded. */
export class BackendUnavailableError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('BACKEND_UNAVAILABLE', message, hint);
  }
}

/** An objective (a method or user code) produced a loss that cannot be trained. */
export class ObjectiveError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('OBJECTIVE_INVALID', message, hint);
  }
}

/** A run folder, report or model file could not be written. */
export class OutputError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('OUTPUT_FAILED', message, hint);
  }
}

/** A federated strategy cannot aggregate a round (too few replies for its preconditions). */
export class RoundRefusedError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('ROUND_REFUSED', message, hint);
  }
}

/** A federated message is malformed, too large, of an unknown type or version, or fails validation. */
export class ProtocolError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('PROTOCOL', message, hint);
  }
}

/** A client is unknown, revoked, or presented a wrong token. */
export class AuthRefusedError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('AUTH_REFUSED', message, hint);
  }
}

/** A checkpoint file is missing, corrupt, or belongs to another run. */
export class CheckpointError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('CHECKPOINT_INVALID', message, hint);
  }
}

/** A network peer cannot be reached or the connection failed. */
export class NetworkError extends JointlyError {
  constructor(message: string, hint?: string) {
    super('NETWORK', message, hint);
  }
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
