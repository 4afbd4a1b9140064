/** Reads an experiment config (JSON or YAML) and validates it against the schema of its mode. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, messageOf, UsageError } from '../errors.js';
import { didYouMean } from '../report/did-you-mean.js';
import { FederatedConfigSchema, type FederatedConfig } from '../federated/config.js';
import { ClientRunConfigSchema, type ClientRunConfig } from '../federated/network/run-client.js';
import { MutualConfigSchema, type MutualConfig } from '../mutual/config.js';
import { MultitaskConfigSchema, type MultitaskConfig } from '../multitask/config.js';
import { MultimodalConfigSchema, type MultimodalConfig } from '../multimodal/config.js';

/** Modes that `jointly run` can execute today, with their schemas. */
const MODES = { mutual: MutualConfigSchema, multitask: MultitaskConfigSchema, multimodal: MultimodalConfigSchema, federated: FederatedConfigSchema } as const;
export const RUNNABLE_MODES = Object.keys(MODES);

export type ExperimentConfig = MutualConfig | MultitaskConfig | MultimodalConfig | FederatedConfig;

/** Every config file mode, with its schema (`client` configs are for `jointly client` only). */
const ALL_MODES = { ...MODES, client: ClientRunConfigSchema } as const;
type ModeName = keyof typeof ALL_MODES;
/** The parsed config of each mode. */
export interface ConfigOfMode {
  mutual: MutualConfig;
  multitask: MultitaskConfig;
  multimodal: MultimodalConfig;
  federated: FederatedConfig;
  client: ClientRunConfig;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, key) => (typeof key === 'number' ? `${s}[${key}]` : s === '' ? String(key) : `${s}.${String(key)}`), '');
}

/** The object schema that describes the value at `path` (through defaults, optionals, arrays, unions). */
function objectSchemaAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): z.ZodObject | undefined {
  let s: z.ZodType = schema;
  let v: unknown = value;
  for (let i = 0; ; ) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    else if (s instanceof z.ZodUnion) {
      // A discriminated union: the option whose literal fields accept the value.
      const match = (s.options as z.ZodType[]).find((o) => o instanceof z.ZodObject && Object.entries(o.shape).every(([k, f]) => !(f instanceof z.ZodLiteral) || f.safeParse((v as Record<string, unknown> | undefined)?.[k]).success));
      if (match === undefined) return undefined;
      s = match;
    } else if (i === path.length) return s instanceof z.ZodObject ? s : undefined;
    else if (s instanceof z.ZodObject) {
      const key = String(path[i]);
      s = s.shape[key] as z.ZodType;
      v = (v as Record<string, unknown> | undefined)?.[key];
      i++;
      if (s === undefined) return undefined;
    } else if (s instanceof z.ZodArray) {
      s = s.element as z.ZodType;
      v = (v as unknown[] | undefined)?.[Number(path[i])];
      i++;
    } else return undefined;
  }
}

/** The value at `path` in a parsed config (undefined where there is none). */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** One ConfigError naming the first bad field (and how many more there are). */
export function configErrorFrom(error: z.ZodError, source: string, context?: { schema: z.ZodType; raw: unknown }): ConfigError {
  const [first, ...rest] = error.issues;
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((i) => pathOf(i.path) || '(root)').join(', ')})` : '';
  let message = first.message;
  const quote = (s: string): string => `"${s}"`;
  if (first.code === 'unrecognized_keys') {
    const shape = context === undefined ? undefined : objectSchemaAt(context.schema, first.path, context.raw)?.shape;
    if (shape !== undefined) {
      const fields = Object.keys(shape);
      const suggestions = first.keys.map((k) => didYouMean(k, fields, quote)).map((d, i) => (d === '' ? '' : `"${first.keys[i]}": ${d}`)).filter((d) => d !== '');
      message = `unknown field(s) ${first.keys.map(quote).join(', ')}${suggestions.length === 0 ? '' : ` (${suggestions.join('; ')})`}; the fields here are ${fields.join(', ')}`;
    }
  } else if (context !== undefined && (first.code === 'invalid_value' || (first.code === 'invalid_union' && 'options' in first))) {
    // An enum value or a discriminator (`"method": "dmll"`, `"strategy": { "name": "fedavgg" }`): the closest allowed ones.
    const allowed = ((first.code === 'invalid_value' ? first.values : (first as { options?: unknown[] }).options) ?? []).filter((v): v is string => typeof v === 'string');
    const received = valueAt(context.raw, first.path);
    const suggestion = typeof received === 'string' ? didYouMean(received, allowed, quote) : '';
    if (suggestion !== '') message = `${message} (got "${received as string}"; ${suggestion})`;
  }
  return new ConfigError(pathOf(first.path) || '(config)', `${message}${more}`, `fix the field in ${source}; the README's "Config format" section lists every field and default`);
}

/** Validates a parsed config object against the schema of its mode, among `accepted` modes. */
export function validateConfigOf<M extends ModeName>(raw: unknown, source: string, accepted: readonly M[]): ConfigOfMode[M] {
  const expected = accepted.map((m) => `"${m}"`).join('|');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('', `${source} must contain an object with a "mode" field`, `start from a config in configs/`);
  }
  const mode = (raw as { mode?: unknown }).mode;
  if (mode === undefined) {
    throw new ConfigError('mode', `missing; expected one of ${expected}`);
  }
  if (typeof mode !== 'string' || !(accepted as readonly string[]).includes(mode)) {
    const suggestion = typeof mode === 'string' ? didYouMean(mode, accepted, (m) => `"${m}"`) : '';
    throw new ConfigError('mode', `"${String(mode)}" is not a mode this command runs; expected one of ${expected}${suggestion === '' ? '' : ` (${suggestion})`}`);
  }
  const schema: z.ZodType = ALL_MODES[mode as M];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw configErrorFrom(parsed.error, source, { schema, raw });
  return parsed.data as ConfigOfMode[M];
}

const MODE_WORDS: Record<ModeName, string> = {
  mutual: 'a mutual-learning config ("mode": "mutual")',
  multitask: 'a multi-task config ("mode": "multitask")',
  multimodal: 'a multimodal config ("mode": "multimodal")',
  federated: 'a federated config ("mode": "federated")',
  client: 'a federated client config ("mode": "client")',
};
/** The commands that run each mode's configs. */
const MODE_COMMANDS: Record<ModeName, (source: string) => string> = {
  mutual: (source) => `jointly run ${source}`,
  multitask: (source) => `jointly run ${source}`,
  multimodal: (source) => `jointly run ${source}`,
  federated: (source) => `jointly server ${source} (real clients connect to it) or jointly simulate ${source} (virtual clients)`,
  client: (source) => `jointly client ${source}`,
};
/** What to write instead, for each mode a command runs. */
const MODE_EXAMPLES: Record<ModeName, string> = {
  mutual: 'configs/smoke.json',
  multitask: 'configs/multitask-smoke.json',
  multimodal: 'configs/multimodal-smoke.json',
  federated: 'configs/federated-smoke.json',
  client: 'configs/federated-client.json',
};

/**
 * Refuses a config of another mode than `command` runs, saying what the config is and which
 * command runs it, before any schema check (whose complaints, e.g. about a field the command
 * line added, would not make sense for a config of another mode). A missing or unknown mode is
 * left to validateConfigOf.
 */
export function checkCommandMode(raw: unknown, source: string, command: string, accepted: readonly ModeName[]): void {
  const mode = typeof raw === 'object' && raw !== null ? (raw as { mode?: unknown }).mode : undefined;
  if (typeof mode !== 'string' || !Object.hasOwn(ALL_MODES, mode) || (accepted as readonly string[]).includes(mode)) return;
  const m = mode as ModeName;
  const wanted = accepted.map((a) => `"mode": "${a}"`).join(' or ');
  throw new UsageError(
    `${source} is ${MODE_WORDS[m]}; jointly ${command} runs ${accepted.map((a) => MODE_WORDS[a]).join(' or ')}`,
    `run it with ${MODE_COMMANDS[m](source)}; or, for jointly ${command}, write a config with ${wanted} (e.g. ${accepted.map((a) => MODE_EXAMPLES[a]).join(', ')})`,
  );
}

/** Validates a parsed config object of a mode `jointly run` runs. */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  return validateConfigOf(raw, source, ['mutual', 'multitask', 'multimodal', 'federated']);
}

/** Reads a config file (`.json`, `.yaml` or `.yml`) without validating it. */
export function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new UsageError(`config file ${path} does not exist`, 'check the path; examples are in configs/');
  if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file`, 'pass the path of a .json or .yaml config file');
  const text = readFileSync(path, 'utf8');
  try {
    return extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('', `${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${messageOf(err)}`);
  }
}

/** Reads and validates a config file (`.json`, `.yaml` or `.yml`). */
export function loadConfigFile(path: string): { raw: unknown; config: ExperimentConfig } {
  const raw = readConfigFile(path);
  return { raw, config: validateConfig(raw, path) };
}
