/** What the tokenizers' saved states share: the fields every kind has, and how a bad state is refused. */
import { z } from 'zod';
import { ConfigError } from '../../../errors.js';
import { SPECIAL_TOKENS, type TokenizerKind } from '../tokenizer.js';

/** The fields of every tokenizer state, with `kind` fixed to one tokenizer. */
export function stateShape<K extends TokenizerKind>(kind: K) {
  return {
    kind: z.literal(kind),
    version: z.literal(1),
    lowercase: z.boolean(),
    punctuation: z.enum(['keep', 'drop']),
    vocabulary: z.array(z.string()).min(SPECIAL_TOKENS.length),
  };
}

/** Where a tokenizer's state is named in errors. */
export const STATE_PATH = 'tokenizer';

/** Parses a state with its kind's schema, or throws a ConfigError saying what does not fit. */
export function parseState<T>(schema: z.ZodType<T>, state: unknown, kind: TokenizerKind): T {
  const parsed = schema.safeParse(state);
  if (!parsed.success) {
    const found = typeof state === 'object' && state !== null && 'kind' in state ? String((state as { kind: unknown }).kind) : undefined;
    const what = found !== undefined && found !== kind ? `a '${found}' tokenizer state, not a '${kind}' one` : `not a valid '${kind}' tokenizer state (${parsed.error.issues.map((i) => `${i.path.join('.') || 'state'}: ${i.message}`).join('; ')})`;
    throw new ConfigError(STATE_PATH, `the saved tokenizer is ${what}`, 'restore a tokenizer with the kind it was saved as, or fit and save it again with this version of jointly');
  }
  return parsed.data;
}

/** Checks the special tokens and that no token is listed twice; returns the token → id map. */
export function vocabularyIndex(vocabulary: readonly string[], kind: TokenizerKind): Map<string, number> {
  SPECIAL_TOKENS.forEach((t, i) => {
    if (vocabulary[i] !== t) throw new ConfigError(`${STATE_PATH}.vocabulary`, `the saved '${kind}' tokenizer has '${vocabulary[i]}' at id ${i}, where '${t}' belongs`, 'fit and save the tokenizer again with this version of jointly');
  });
  const index = new Map<string, number>();
  vocabulary.forEach((t, i) => {
    if (index.has(t)) throw new ConfigError(`${STATE_PATH}.vocabulary`, `the saved '${kind}' tokenizer lists '${t}' twice (ids ${index.get(t)} and ${i})`, 'fit and save the tokenizer again');
    index.set(t, i);
  });
  return index;
}
