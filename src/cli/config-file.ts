/** Reads an experiment config (JSON or YAML) and validates it against the schema of its mode. */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError, DataMissingError } from '../errors.js';
import { MutualConfigSchema, type MutualConfig } from '../mutual/config.js';

/** Modes that `jointly run` can execute today, with their schemas. */
const MODES = { mutual: MutualConfigSchema } as const;
export const RUNNABLE_MODES = Object.keys(MODES);

export type ExperimentConfig = MutualConfig;

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, key) => (typeof key === 'number' ? `${s}[${key}]` : s === '' ? String(key) : `${s}.${String(key)}`), '');
}

/** One ConfigError naming the first bad field (and how many more there are). */
export function configErrorFrom(error: z.ZodError, source: string): ConfigError {
  const [first, ...rest] = error.issues;
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((i) => pathOf(i.path) || '(root)').join(', ')})` : '';
  return new ConfigError(pathOf(first.path), `${first.message}${more}`, `fix the field in ${source}; the README's "Config format" section lists every field and default`);
}

/** Validates a parsed config object. */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('', `${source} must contain an object with a "mode" field`, `start from configs/demo.json`);
  }
  const mode = (raw as { mode?: unknown }).mode;
  if (mode === undefined) {
    throw new ConfigError('mode', `missing; expected one of ${RUNNABLE_MODES.map((m) => `"${m}"`).join('|')}`);
  }
  if (typeof mode !== 'string' || !(mode in MODES)) {
    throw new ConfigError('mode', `"${String(mode)}" is not a runnable mode; expected one of ${RUNNABLE_MODES.map((m) => `"${m}"`).join('|')}`);
  }
  const parsed = MODES[mode as keyof typeof MODES].safeParse(raw);
  if (!parsed.success) throw configErrorFrom(parsed.error, source);
  return parsed.data;
}

/** Reads and validates a config file (`.json`, `.yaml` or `.yml`). */
export function loadConfigFile(path: string): { raw: unknown; config: ExperimentConfig } {
  if (!existsSync(path)) throw new DataMissingError(`config file ${path} does not exist`, 'check the path; examples are in configs/');
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('', `${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { raw, config: validateConfig(raw, path) };
}
