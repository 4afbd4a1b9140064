/** Validation of the teaching runs' options: a zod schema's errors as a ConfigError that names the field and lists the valid options. */
import type { z } from 'zod';
import { ConfigError } from '../../errors.js';

/** Parses `raw` with `schema`; the first issue becomes a ConfigError at `<prefix>.<path>`. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, prefix: string, optionNames: readonly string[]): z.infer<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data as z.infer<S>;
  const issue = parsed.error.issues[0];
  const path = [prefix, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    throw new ConfigError(path, `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`, `its options are ${optionNames.join(', ') || 'none'}`);
  }
  throw new ConfigError(path, issue.message, `see the options of ${prefix}: ${optionNames.join(', ')}`);
}
