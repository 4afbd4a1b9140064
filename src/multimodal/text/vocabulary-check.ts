/**
 * Whether a tokenizer is the one a model was trained with. A model's token embeddings mean
 * something only with the vocabulary they were learned on: a tokenizer with another vocabulary
 * (another size, or the same size with other tokens at the ids) gives ids the model reads as other
 * words, silently. So a saved text model records its tokenizer's signature (kind, vocabulary size,
 * fingerprint; `vocabularySignature`), and whoever loads a tokenizer to use with that model checks
 * it first with `checkVocabularyMatches`, which throws a ConfigError naming both vocabularies.
 * The text preprocessor's saved state carries the signature (preprocessors/text.ts,
 * `textStateSignature`). Pure TypeScript.
 *
 * Use: at save time, store `vocabularySignature(tokenizer)` (or the text preprocessor's state) with
 * the model; at load time, `checkVocabularyMatches(vocabularySignature(loaded), saved, 'modality body')`
 * before encoding anything. With only the model at hand, pass `{ vocabSize: <the embedding's input
 * dimension> }` as `expected`: the size is then all that is checked.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { TOKENIZER_KINDS, type Tokenizer, type TokenizerKind } from './tokenizer.js';

/**
 * What identifies a tokenizer's vocabulary: its kind, its size (special tokens included) and its
 * fingerprint. Made by {@link vocabularySignature}, compared by {@link checkVocabularyMatches}.
 */
export interface VocabularySignature {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  /** See `Tokenizer.fingerprint`. */
  readonly fingerprint: string;
}

export const VocabularySignatureSchema = z
  .object({
    kind: z.enum(TOKENIZER_KINDS),
    vocabSize: z.number().int().min(2),
    fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  })
  .strict();

/** What a model records about its tokenizer. */
export function vocabularySignature(tokenizer: Tokenizer): VocabularySignature {
  return { kind: tokenizer.kind, vocabSize: tokenizer.vocabSize, fingerprint: tokenizer.fingerprint };
}

/**
 * Throws a ConfigError when `found` (the tokenizer at hand) is not the vocabulary `expected` (the
 * model's); `where` names the model or modality in the message. Without `expected.fingerprint` (or
 * `kind`) only what is given is compared.
 */
export function checkVocabularyMatches(found: VocabularySignature, expected: Partial<VocabularySignature> & { readonly vocabSize: number }, where: string): void {
  const describe = (s: Partial<VocabularySignature>): string =>
    `${s.kind === undefined ? '' : `a ${s.kind} tokenizer of `}${s.vocabSize} tokens${s.fingerprint === undefined ? '' : ` (fingerprint ${s.fingerprint})`}`;
  const sizeDiffers = found.vocabSize !== expected.vocabSize;
  const kindDiffers = expected.kind !== undefined && found.kind !== expected.kind;
  const tokensDiffer = expected.fingerprint !== undefined && found.fingerprint !== expected.fingerprint;
  if (sizeDiffers || kindDiffers || tokensDiffer) {
    const why = sizeDiffers ? 'its vocabulary has another size' : kindDiffers ? 'it is another kind of tokenizer' : 'its vocabulary has other tokens or ids';
    throw new ConfigError(
      where,
      `the tokenizer is ${describe(found)}, but the model was trained with ${describe(expected)}: ${why}, so the model would read its ids as other tokens`,
      'load the tokenizer saved with this model (its text preprocessing state), or train the model again with this tokenizer',
    );
  }
}
