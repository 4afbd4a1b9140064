/**
 * Config fields that name a registered method and carry its options flat beside the name
 * (`{ "name": "pcgrad", "seed": 1 }`): validated by the named method's own schema, with errors
 * that list its options. Parsed into `{ name, options, ...extra }`.
 */
import { z } from 'zod';

/** What a registry entry needs for its options to be validated. */
export interface OptionsOwner {
  readonly name: string;
  readonly options: z.ZodType;
  readonly optionNames: readonly string[];
}

/**
 * A schema for `{ name, ...options }` against `find`; `extra` are fields of the config itself
 * (not the method's options), e.g. a weighting's `representation`. A parsed value is accepted
 * again (idempotent).
 */
export function namedOptionsSchema<Extra extends z.ZodRawShape>(kind: string, names: readonly string[], find: (name: string) => OptionsOwner | undefined, extra: Extra) {
  return keyedOptionsSchema('name', kind, names, find, extra);
}

/**
 * The same with another key than `name` for the method, e.g. `type` in encoder specs
 * (`{ "type": "transformer", "layers": 2 }`); parsed into `{ <key>, options, ...extra }`.
 */
export function keyedOptionsSchema<Key extends string, Extra extends z.ZodRawShape>(key: Key, kind: string, names: readonly string[], find: (name: string) => OptionsOwner | undefined, extra: Extra) {
  const extraKeys = [...Object.keys(extra), key];
  return z
    .preprocess(
      (value) => {
        if (typeof value !== 'object' || value === null) return value;
        const { options, ...rest } = value as { options?: unknown };
        return typeof options === 'object' && options !== null ? { ...rest, ...options } : value;
      },
      z.object({ [key]: z.enum(names as [string, ...string[]], { message: `unknown ${kind}; use one of: ${names.join(', ')}` }).describe(`The ${kind} (\`jointly info\` lists them); its options sit beside this key.`), ...extra }).catchall(z.unknown()),
    )
    .superRefine((value, ctx) => {
      const owner = find(value[key] as string);
      if (owner === undefined) return;
      const options = Object.fromEntries(Object.entries(value).filter(([k]) => !extraKeys.includes(k)));
      const parsed = owner.options.safeParse(options);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const message =
            issue.code === 'unrecognized_keys'
              ? `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} for ${kind} '${owner.name}'; its options are ${owner.optionNames.join(', ') || 'none'}`
              : issue.message;
          ctx.addIssue({ code: 'custom', path: issue.path, message });
        }
      }
    })
    .transform((value) => {
      const owner = find(value[key] as string);
      const own = Object.fromEntries(Object.entries(value).filter(([k]) => !extraKeys.includes(k)));
      const fields = Object.fromEntries(Object.entries(value).filter(([k]) => extraKeys.includes(k)));
      return { ...fields, [key]: value[key], options: owner === undefined ? own : (owner.options.parse(own) as unknown) } as unknown as { [K in Key]: string } & { options: unknown } & z.infer<z.ZodObject<Extra>>;
    });
}
