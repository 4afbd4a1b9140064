/**
 * `text`: texts as token ids. Fits a tokenizer (`word`, `bpe` or `wordpiece`, see
 * src/multimodal/text/) on the training split's texts of the samples that have the modality, and
 * turns every split's texts into one tokens field named after the modality: each text's first
 * `maxLength` ids (longer texts are truncated), padded with 0; a missing sample is all padding,
 * with length 0. The tokenizer is the saved state, so a restored model tokenizes as training did;
 * the state also carries the vocabulary's signature (kind, size, fingerprint), which
 * `textStateSignature` reads and `checkVocabularyMatches` (text/vocabulary-check.ts) compares with
 * a model's, refusing a tokenizer fitted on another vocabulary.
 */
import { z } from 'zod';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { Field } from '../../data/fields.js';
import type { ModalityData } from '../modality.js';
import type { FittedPreprocessor, ModalityInfo, RegisteredPreprocessor } from '../preprocessor.js';
import { splitWords } from '../text/pre-tokenize.js';
import { PAD_ID, SPECIAL_TOKENS, TOKENIZER_KINDS, type Tokenizer } from '../text/tokenizer.js';
import { fitTokenizer, restoreTokenizer } from '../text/tokenizers/registry.js';
import { vocabularySignature, VocabularySignatureSchema, type VocabularySignature } from '../text/vocabulary-check.js';

export const TextPreprocessorOptionsSchema = z
  .object({
    /** `word` (one id per word), `bpe` (byte-pair subwords, Sennrich et al. 2016) or `wordpiece` (BERT's subwords). Default `word`. */
    tokenizer: z.enum(TOKENIZER_KINDS).default('word'),
    /** Size of the vocabulary, `[PAD]` and `[UNK]` included (ids in [0, vocabSize)); a cap: a small corpus may give fewer. Default 5000. */
    vocabSize: z.number().int().min(3).max(1_000_000).default(5000),
    /** Tokens per text: longer texts are truncated, shorter ones padded with 0. Default 64. */
    maxLength: z.number().int().positive().max(100_000).default(64),
    /** Lower-case texts before tokenizing. Default true. */
    lowercase: z.boolean().default(true),
    /** Fewest occurrences in the training texts for a word (word) or a character or merge (bpe, wordpiece) to enter the vocabulary. Default 1. */
    minCount: z.number().int().positive().default(1),
    /** Punctuation and symbol characters: a token each (`keep`) or dropped (`drop`). Default `keep`. */
    punctuation: z.enum(['keep', 'drop']).default('keep'),
  })
  .strict();
export type TextPreprocessorOptions = z.infer<typeof TextPreprocessorOptionsSchema>;

const StateSchema = z
  .object({
    version: z.literal(1),
    maxLength: z.number().int().positive(),
    /** The tokenizer's own state (`Tokenizer.toJSON()`). */
    tokenizer: z.object({ kind: z.enum(TOKENIZER_KINDS) }).passthrough(),
    signature: VocabularySignatureSchema,
  })
  .strict();
export type TextPreprocessorState = z.infer<typeof StateSchema>;

/** A fitted text preprocessor, with its tokenizer. */
export interface FittedTextPreprocessor extends FittedPreprocessor {
  readonly tokenizer: Tokenizer;
  readonly maxLength: number;
  /** What a model trained on these fields records about the vocabulary. */
  readonly signature: VocabularySignature;
}

/** The tokens of texts: each text's first `maxLength` ids, padded with 0; all padding where `present` is 0. */
export function tokenizeTexts(tokenizer: Tokenizer, texts: readonly string[], maxLength: number, present?: Uint8Array): Field {
  const ids = new Int32Array(texts.length * maxLength).fill(PAD_ID);
  const lengths = new Int32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    if (present !== undefined && present[i] === 0) continue;
    const tokens = tokenizer.encode(texts[i], maxLength);
    ids.set(tokens, i * maxLength);
    lengths[i] = tokens.length;
  }
  return { kind: 'tokens', ids, maxLength, lengths, vocabSize: tokenizer.vocabSize };
}

function fitted(name: string, tokenizer: Tokenizer, maxLength: number): FittedTextPreprocessor {
  const signature = vocabularySignature(tokenizer);
  const info: ModalityInfo = { kind: 'text', fields: [name], shapes: { [name]: [maxLength] }, vocabSizes: { [name]: tokenizer.vocabSize } };
  return {
    info,
    tokenizer,
    maxLength,
    signature,
    state: (): TextPreprocessorState => ({ version: 1, maxLength, tokenizer: { ...tokenizer.toJSON() }, signature: { ...signature } }),
    transform(data: ModalityData, modality: string, present?: Uint8Array): Record<string, Field> {
      if (data.kind !== 'text') throw new ShapeMismatchError(`modality '${modality}' is ${data.kind} data, but it was fitted as text`, 'give this modality its texts, or configure it with its own kind');
      if (present !== undefined && present.length !== data.texts.length) throw new ShapeMismatchError(`modality '${modality}': ${present.length} presence entries for ${data.texts.length} texts`, 'give one presence entry per sample');
      return { [modality]: tokenizeTexts(tokenizer, data.texts, maxLength, present) };
    },
  };
}

/** The training texts of the samples that have the modality. */
function presentTexts(texts: readonly string[], present?: Uint8Array): string[] {
  return present === undefined ? [...texts] : texts.filter((_, i) => present[i] !== 0);
}

/** Fits the text preprocessing of modality `name` on its training texts. */
export function fitText(data: ModalityData, name: string, options: TextPreprocessorOptions, present?: Uint8Array): FittedTextPreprocessor {
  if (data.kind !== 'text') throw new ShapeMismatchError(`modality '${name}' is ${data.kind} data, not text`, `use a ${data.kind} preprocessor for it`);
  const texts = presentTexts(data.texts, present);
  const split = { lowercase: options.lowercase, punctuation: options.punctuation };
  if (!texts.some((t) => splitWords(t, split, 1).length > 0)) {
    const what = options.punctuation === 'drop' ? 'only spaces, control characters and punctuation, which punctuation: "drop" removes' : 'only spaces and control characters';
    throw new DataMalformedError(
      texts.length === 0
        ? `text modality '${name}' has no training sample with a text: every training sample lacks it`
        : `text modality '${name}': none of its ${texts.length} training texts has a token (each is empty, or ${what})`,
      `check that the right column or file is loaded as the text of '${name}'${options.punctuation === 'drop' ? ', or keep punctuation (punctuation: "keep")' : ''}; a modality without words cannot be learned, so give it texts or remove it from the config`,
    );
  }
  const tokenizer = fitTokenizer(options.tokenizer, texts, { vocabSize: options.vocabSize, minCount: options.minCount, lowercase: options.lowercase, punctuation: options.punctuation });
  if (tokenizer.vocabSize <= SPECIAL_TOKENS.length) {
    throw new ConfigError(`modalities.${name}.preprocess.minCount`, `no ${options.tokenizer === 'word' ? 'word' : 'character'} of text modality '${name}' occurs ${options.minCount} times in the training texts, so the vocabulary is empty`, 'lower minCount (1 keeps every token)');
  }
  return fitted(name, tokenizer, options.maxLength);
}

function parseSavedState(state: unknown, name: string): TextPreprocessorState {
  const parsed = StateSchema.safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `preprocessing.${name}`,
      `the saved state of text modality '${name}' is not a text tokenizer's state (${issue === undefined ? '' : `${issue.path.join('.') || 'state'}: ${issue.message}`})`,
      'restore it from the state a text preprocessor saved (with its tokenizer), or fit and save the model again with this version of jointly',
    );
  }
  return parsed.data;
}

/** The vocabulary signature recorded in a saved text preprocessing state (to compare with `checkVocabularyMatches`). */
export function textStateSignature(state: unknown, name: string): VocabularySignature {
  return parseSavedState(state, name).signature;
}

/** Rebuilds the text preprocessing of modality `name` from its `state()`. */
export function restoreText(state: unknown, name: string): FittedTextPreprocessor {
  const s = parseSavedState(state, name);
  let tokenizer: Tokenizer;
  try {
    tokenizer = restoreTokenizer(s.tokenizer);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`preprocessing.${name}.${err.path}`, `text modality '${name}': ${err.message.slice(err.path.length + 2)}`, err.hint);
    throw err;
  }
  if (tokenizer.fingerprint !== s.signature.fingerprint || tokenizer.vocabSize !== s.signature.vocabSize || tokenizer.kind !== s.signature.kind) {
    throw new ConfigError(
      `preprocessing.${name}.signature`,
      `the saved tokenizer of text modality '${name}' (${tokenizer.kind}, ${tokenizer.vocabSize} tokens, fingerprint ${tokenizer.fingerprint}) is not the one its signature records (${s.signature.kind}, ${s.signature.vocabSize} tokens, fingerprint ${s.signature.fingerprint}): the state was edited or mixed up`,
      'restore the state exactly as it was saved with the model, or fit and save the model again',
    );
  }
  return fitted(name, tokenizer, s.maxLength);
}

export const textPreprocessor: RegisteredPreprocessor<TextPreprocessorOptions> = {
  name: 'text',
  kind: 'text',
  description: 'texts as token ids: a word, BPE or WordPiece tokenizer learned on the training texts, truncated and padded to maxLength; all padding where missing',
  options: TextPreprocessorOptionsSchema,
  optionNames: Object.keys(TextPreprocessorOptionsSchema.shape),
  fit: fitText,
  restore: restoreText,
};
