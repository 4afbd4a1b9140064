/** How the CLI talks: human text, quiet, or one JSON document on stdout. */
import { JointlyError, messageOf, OutputError } from '../errors.js';

/** A failed file-system call (e.g. writing a run folder under an unwritable --out) as an OutputError. */
function fileSystemError(err: unknown): OutputError | undefined {
  const e = err as Partial<NodeJS.ErrnoException> | null;
  if (typeof e?.code !== 'string' || typeof e.syscall !== 'string' || typeof e.path !== 'string') return undefined;
  return new OutputError(`cannot ${e.syscall} ${e.path} (${e.code})`, 'check that the folder exists and is writable (the run folder goes under --out, default runs/)');
}

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
}

export class Output {
  constructor(readonly opts: OutputOptions) {}

  /** Whether progress bars and informational lines are shown. */
  get chatty(): boolean {
    return !this.opts.json && !this.opts.quiet;
  }

  /** An informational line on stderr (hidden by --quiet and --json). */
  info(line: string): void {
    if (this.chatty) process.stderr.write(`${line}\n`);
  }

  /**
   * A warning: something the user must know although the command succeeded. On stderr even
   * with --quiet and --json (the JSON document carries it too, where the command has one).
   */
  warn(message: string, hint?: string): void {
    process.stderr.write(`jointly: warning: ${message}\n`);
    if (hint !== undefined) process.stderr.write(`  hint: ${hint}\n`);
  }

  /** The command's result: text on stdout, or the JSON document with --json. */
  result(text: string, json: unknown): void {
    if (this.opts.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    else process.stdout.write(`${text}\n`);
  }

  /** Reports an error and returns the exit code. */
  error(thrown: unknown): number {
    const err = fileSystemError(thrown) ?? thrown;
    if (err instanceof JointlyError) {
      if (this.opts.json) {
        process.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint ?? null } }, null, 2)}\n`);
      } else {
        process.stderr.write(`jointly: error [${err.code}]: ${err.message}\n`);
        if (err.hint !== undefined) process.stderr.write(`  hint: ${err.hint}\n`);
      }
      return err.exitCode;
    }
    const message = messageOf(err);
    if (this.opts.json) {
      process.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message, hint: 'this is a bug in jointly; please report it with the command that caused it' } }, null, 2)}\n`);
    } else {
      process.stderr.write(`jointly: unexpected error: ${message}\n  this is a bug in jointly; please report it with the command and this trace:\n`);
      if (err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
    }
    return 1;
  }
}
