/**
 * Validates strategy specs with their zod schemas, turning zod's error into a ConfigError naming
 * the field (one formatter for presets and composed specs), and an unknown part name into an
 * UnknownNameError listing the valid ones.
 */
import { ZodObject, type z } from 'zod';
import { ConfigError } from '../../errors.js';
import { ClientAlgorithmSpecSchema } from '../client/algorithms/options.js';
import { CLIENT_ALGORITHMS } from '../client/algorithms/registry.js';
import { AggregatorSpecSchema } from './aggregators/options.js';
import { AGGREGATORS } from './aggregators/registry.js';
import type { NamedRegistry } from './named-registry.js';
import { COMPOSED_FIELDS, ComposedStrategySpecSchema, PART_FIELDS, type ComposedStrategySpec } from './options.js';
import { PrivacySpecSchema } from './privacy/options.js';
import { PRIVACY_PARTS } from './privacy/registry.js';
import { SecureAggregationSpecSchema } from './secure/options.js';
import { SECURE_AGGREGATIONS } from './secure/registry.js';
import { CompressionSpecSchema } from './compression/options.js';
import { COMPRESSIONS } from './compression/registry.js';
import { ServerOptimizerSpecSchema } from './server-optimizers/options.js';
import { SERVER_OPTIMIZERS } from './server-optimizers/registry.js';

/** The option names of an object schema (without `name`). */
function optionNames(schema: unknown): string[] {
  return schema instanceof ZodObject ? Object.keys(schema.shape).filter((k) => k !== 'name') : [];
}

/** The first issue as a ConfigError: `path: message (and n more problem(s))`. */
function configError(error: z.ZodError, opts: { prefix?: string; unknownKeys?: (path: readonly PropertyKey[]) => { what: string; known: string[] }; hint: string }): ConfigError {
  const issue = error.issues[0];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  const at = (keys: readonly PropertyKey[]): string => [opts.prefix, ...keys.map(String)].filter((k) => k !== undefined && k !== '').join('.');
  if (issue.code === 'unrecognized_keys' && opts.unknownKeys !== undefined) {
    const { what, known } = opts.unknownKeys(issue.path);
    return new ConfigError(
      at([...issue.path, issue.keys[0]]),
      `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} for ${what}${more}`,
      `its options are ${known.join(', ') || 'none'}`,
    );
  }
  return new ConfigError(at(issue.path), `${issue.message}${more}`, opts.hint);
}

/**
 * Parses `{ name, ...raw }` with `schema` (defaults filled). Throws a ConfigError whose path is
 * the first offending option; an unknown option is reported with the list of valid ones.
 */
export function parseStrategyOptions<S extends z.ZodType>(schema: S, name: string, raw: unknown): z.infer<S> {
  const input = typeof raw === 'object' && raw !== null ? { ...raw, name } : raw === undefined ? { name } : raw;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw configError(parsed.error, {
    unknownKeys: () => ({ what: `strategy '${name}'`, known: optionNames(schema) }),
    hint: `see the documented options of strategy '${name}'`,
  });
}

/** Each part field of a composed spec: what it is, its names and the schema of each name. */
const PARTS: Record<(typeof PART_FIELDS)[number], { names: NamedRegistry<{ readonly name: string }>; union: { options: readonly unknown[] } }> = {
  aggregator: { names: AGGREGATORS, union: AggregatorSpecSchema },
  serverOptimizer: { names: SERVER_OPTIMIZERS, union: ServerOptimizerSpecSchema },
  client: { names: CLIENT_ALGORITHMS, union: ClientAlgorithmSpecSchema },
  privacy: { names: PRIVACY_PARTS, union: PrivacySpecSchema },
  secureAggregation: { names: SECURE_AGGREGATIONS, union: SecureAggregationSpecSchema },
  compression: { names: COMPRESSIONS, union: CompressionSpecSchema },
};

/** The schema of part `name` of field `field`. */
function partSchema(field: (typeof PART_FIELDS)[number], name: string): unknown {
  return PARTS[field].union.options.find((o) => o instanceof ZodObject && (o.shape.name as z.ZodLiteral).value === name);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a composed spec `{ aggregator, serverOptimizer, client, privacy, secureAggregation, compression, localEpochs, batchSize }`,
 * defaults filled. An unknown part name is an UnknownNameError listing the names of that part;
 * any other problem a ConfigError naming the field (e.g. `aggregator.byzantine`), an unknown
 * option listed with the valid ones.
 */
export function parseComposedSpec(raw: unknown): ComposedStrategySpec {
  if (!isObject(raw)) {
    throw new ConfigError('', `a composed strategy spec must be an object { ${COMPOSED_FIELDS.join(', ')} }, got ${JSON.stringify(raw)}`);
  }
  for (const field of PART_FIELDS) {
    const part = raw[field];
    if (part === undefined) continue;
    const { names } = PARTS[field];
    if (!isObject(part)) throw new ConfigError(field, `must be an object { name, ...options }, got ${JSON.stringify(part)}`, `use one of: ${names.names.join(', ')}`);
    if (typeof part.name !== 'string') throw new ConfigError(`${field}.name`, `missing or not a string (got ${JSON.stringify(part.name)})`, `use one of: ${names.names.join(', ')}`);
    names.get(part.name);
  }
  const parsed = ComposedStrategySpecSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw configError(parsed.error, {
    unknownKeys: (path) => {
      const field = path[0] as (typeof PART_FIELDS)[number] | undefined;
      if (field === undefined || !(field in PARTS)) return { what: 'a composed strategy', known: COMPOSED_FIELDS };
      const name = String((raw[field] as { name: string }).name);
      return { what: `${PARTS[field].names.kind} '${name}'`, known: optionNames(partSchema(field, name)) };
    },
    hint: 'see the documented options of the strategy parts (README, Strategies)',
  });
}
