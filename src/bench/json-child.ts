/**
 * Running one benchmark measurement in a child process that prints its result as one JSON line
 * (the last line of its stdout); its stderr is kept for the error message.
 */
import { spawnSync } from 'node:child_process';

/** The child's result, or why there is none. */
export type ChildOutcome<T> = { kind: 'ok'; value: T; seconds: number } | { kind: 'failed'; error: string; seconds: number };

/** Runs `command args` with `env`, at most `timeoutSeconds`; parses the last stdout line as JSON (trusted: the children are the bench's own). */
export function runJsonChild<T>(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutSeconds: number): ChildOutcome<T> {
  const t0 = performance.now();
  const r = spawnSync(command, [...args], { env, encoding: 'utf8', timeout: timeoutSeconds * 1000, maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  const lastLine = (text: string): string => text.trim().split('\n').slice(-1)[0] ?? '';
  if (r.error !== undefined) return { kind: 'failed', error: `${r.error.message}${r.signal === null ? '' : ` (${r.signal})`}`, seconds };
  if (r.status !== 0) return { kind: 'failed', error: `exit status ${r.status ?? r.signal}: ${lastLine(r.stderr) || 'no message'}`, seconds };
  try {
    return { kind: 'ok', value: JSON.parse(lastLine(r.stdout)) as T, seconds };
  } catch (err) {
    return { kind: 'failed', error: `its output is not JSON (${err instanceof Error ? err.message : String(err)}): ${lastLine(r.stdout).slice(0, 200)}`, seconds };
  }
}
