/**
 * Reading the values of the benchmarks' command-line flags (pure): each reader names the flag
 * in its error, a {@link UsageError} (exit status 2).
 */
import { UnknownNameError, UsageError } from '../errors.js';

/** A positive finite number, e.g. `--seconds 2.5`. */
export function positiveNumber(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got '${raw}'`, `e.g. --${flag} 3`);
  return n;
}

/** A positive integer, e.g. `--repeats 3`. */
export function positiveInteger(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, got '${raw}'`, `e.g. --${flag} 3`);
  return n;
}

/** A comma-separated list of positive integers without repeats, e.g. `--threads 1,2`. */
export function positiveIntegerList(flag: string, raw: string): number[] {
  const values = raw.split(',').map((v) => positiveInteger(flag, v.trim()));
  if (new Set(values).size !== values.length) throw new UsageError(`--${flag} lists a value twice: '${raw}'`, `e.g. --${flag} 1,2`);
  return values;
}

/** One name from `known`, e.g. `--backend native`. */
export function oneName(flag: string, raw: string, known: readonly string[]): string {
  if (!known.includes(raw)) throw new UnknownNameError(`--${flag} value`, raw, known);
  return raw;
}

/** A comma-separated list of names from `known`, without repeats, e.g. `--models mlp,lenet`. */
export function nameList(flag: string, raw: string, known: readonly string[]): string[] {
  const names = raw.split(',').map((v) => v.trim());
  for (const name of names) {
    if (!known.includes(name)) throw new UnknownNameError(`--${flag} value`, name, known);
  }
  if (new Set(names).size !== names.length) throw new UsageError(`--${flag} lists a name twice: '${raw}'`, `use each of ${known.join(', ')} at most once`);
  return names;
}
