/** Validates a strategy's options with its zod schema, turning zod's error into a ConfigError naming the field. */
import { ZodObject, type z } from 'zod';
import { ConfigError } from '../../errors.js';

/**
 * Parses `{ name, ...raw }` with `schema` (defaults filled). Throws a ConfigError whose path is
 * the first offending option; an unknown option is reported with the list of valid ones.
 */
export function parseStrategyOptions<S extends z.ZodType>(schema: S, name: string, raw: unknown): z.infer<S> {
  const input = typeof raw === 'object' && raw !== null ? { ...raw, name } : raw === undefined ? { name } : raw;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
  if (issue.code === 'unrecognized_keys') {
    const known = schema instanceof ZodObject ? Object.keys(schema.shape).filter((k) => k !== 'name') : [];
    throw new ConfigError(
      issue.keys[0],
      `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} for strategy '${name}'${more}`,
      `its options are ${known.join(', ')}`,
    );
  }
  const path = issue.path.map(String).join('.');
  throw new ConfigError(path, `${issue.message}${more}`, `see the documented options of strategy '${name}'`);
}
