/** The text preprocessor: fitting on present training texts, padding and truncation, state round trip and refusal, bad input. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFieldDataset, type TokensField } from '../../data/fields.js';
import { errorLike } from '../../engine/testing.js';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { TextModality } from '../modality.js';
import { checkVocabularyMatches } from '../text/vocabulary-check.js';
import { getPreprocessor } from './registry.js';
import { fitText, restoreText, TextPreprocessorOptionsSchema, textPreprocessor, textStateSignature } from './text.js';

const text = (...texts: string[]): TextModality => ({ kind: 'text', texts });
const options = (o: Record<string, unknown> = {}) => TextPreprocessorOptionsSchema.parse(o);

describe('text preprocessor', () => {
  const train = text('The cat sat.', 'the cat ran!', 'A dog sat', 'ignored: missing');
  const present = Uint8Array.from([1, 1, 1, 0]);

  test('registered for text, with documented defaults', () => {
    assert.equal(getPreprocessor('text'), textPreprocessor);
    assert.equal(textPreprocessor.kind, 'text');
    assert.deepEqual(options(), { tokenizer: 'word', vocabSize: 5000, maxLength: 64, lowercase: true, minCount: 1, punctuation: 'keep' });
    assert.deepEqual([...textPreprocessor.optionNames].sort(), ['lowercase', 'maxLength', 'minCount', 'punctuation', 'tokenizer', 'vocabSize']);
    assert.throws(() => options({ vocab: 10 }));
  });

  test('fits on the present training texts only; ids padded with 0, truncated at maxLength, missing samples all padding', () => {
    const fitted = fitText(train, 'caption', options({ maxLength: 3 }), present);
    // vocabulary as the word tokenizer's test: cat 2, sat 3, the 4, ! 5, . 6, a 7, dog 8, ran 9 ('ignored', 'missing' are not in it)
    assert.deepEqual(fitted.tokenizer.vocabulary, ['[PAD]', '[UNK]', 'cat', 'sat', 'the', '!', '.', 'a', 'dog', 'ran']);
    assert.deepEqual(fitted.info, { kind: 'text', fields: ['caption'], shapes: { caption: [3] }, vocabSizes: { caption: 10 } });
    const fields = fitted.transform(text('The dog sat on the mat!', 'cat', '', 'the cat'), 'caption', Uint8Array.from([1, 1, 1, 0]));
    const tokens = fields.caption as TokensField;
    assert.equal(tokens.kind, 'tokens');
    // "the dog sat" (truncated), "cat", "" (present but empty), missing
    assert.deepEqual(Array.from(tokens.ids), [4, 8, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(tokens.lengths), [3, 1, 0, 0]);
    assert.equal(tokens.vocabSize, 10);
    assert.doesNotThrow(() => makeFieldDataset(fields, 'test'));
  });

  test('bpe and wordpiece options, lower-casing off', () => {
    for (const tokenizer of ['bpe', 'wordpiece'] as const) {
      const fitted = fitText(train, 't', options({ tokenizer, vocabSize: 40 }));
      assert.equal(fitted.tokenizer.kind, tokenizer);
      assert.ok(fitted.tokenizer.vocabSize <= 40);
      const tokens = fitted.transform(text('the cat'), 't').t as TokensField;
      assert.ok(tokens.lengths[0] >= 2 && !Array.from(tokens.ids).slice(0, tokens.lengths[0]).includes(0));
    }
    const cased = fitText(text('The the'), 't', options({ lowercase: false }));
    assert.deepEqual(cased.tokenizer.vocabulary.slice(2), ['The', 'the']);
  });

  test('state: JSON round trip tokenizes the same; other states are refused with a ConfigError', () => {
    const fitted = fitText(train, 'caption', options({ tokenizer: 'bpe', vocabSize: 30, maxLength: 8 }), present);
    const state = JSON.parse(JSON.stringify(fitted.state())) as Record<string, unknown>;
    const restored = textPreprocessor.restore(state, 'caption');
    const sample = text('the cats sat, a dog ran!');
    assert.deepEqual(restored.transform(sample, 'caption'), fitted.transform(sample, 'caption'));
    assert.deepEqual(restored.info, fitted.info);
    // an image preprocessor's state, a tokenizer of an unknown kind, an edited vocabulary
    assert.throws(() => restoreText({ shape: [28, 28, 1] }, 'caption'), errorLike(ConfigError, /^preprocessing\.caption: /, /not a text tokenizer's state/));
    assert.throws(() => restoreText({ ...state, tokenizer: { kind: 'sentencepiece' } }, 'caption'), errorLike(ConfigError, /caption/));
    const tokenizer = state.tokenizer as { vocabulary: string[]; merges: string[][] };
    const broken = { ...state, tokenizer: { ...tokenizer, vocabulary: [...tokenizer.vocabulary.slice(0, -1), 'zzz'] } };
    assert.throws(() => restoreText(broken, 'caption'), errorLike(ConfigError, /^preprocessing\.caption\.tokenizer\.merges: /, /not in the vocabulary/));
    // a valid tokenizer that is not the one the signature records
    const swapped = { ...state, tokenizer: { ...tokenizer, lowercase: false } };
    assert.throws(() => restoreText(swapped, 'caption'), errorLike(ConfigError, /signature/, /edited or mixed up/));
  });

  test('a tokenizer of another vocabulary is refused against the model\'s signature', () => {
    const a = fitText(text('the cat sat'), 'body', options());
    const b = fitText(text('the dog sat'), 'body', options());
    assert.doesNotThrow(() => checkVocabularyMatches(textStateSignature(a.state(), 'body'), a.signature, 'modality body'));
    assert.throws(() => checkVocabularyMatches(textStateSignature(b.state(), 'body'), a.signature, 'modality body'), errorLike(ConfigError, /modality body/, /other tokens/));
  });

  test('bad input: no token in any training text, a minCount nothing reaches, non-text data', () => {
    assert.throws(() => fitText(text('', '   ', '\n'), 'body', options()), errorLike(DataMalformedError, /'body'/, /none of its 3 training texts has a token/));
    assert.throws(() => fitText(text('!!!', '...'), 'body', options({ punctuation: 'drop' })), errorLike(DataMalformedError, /'body'/));
    assert.throws(() => fitText(text('real words', ''), 'body', options(), Uint8Array.from([0, 1])), errorLike(DataMalformedError, /none of its 1 training texts/));
    assert.throws(() => fitText(text('a', 'b'), 'body', options(), Uint8Array.from([0, 0])), errorLike(DataMalformedError, /no training sample with a text/));
    assert.throws(() => fitText(text('a b', 'c'), 'body', options({ minCount: 5 })), errorLike(ConfigError, /minCount/, /'body'/));
    assert.throws(() => fitText({ kind: 'image', values: new Float32Array(4), shape: [2] }, 'body', options()), errorLike(ShapeMismatchError, /not text/));
    const fitted = fitText(text('a b'), 'body', options());
    assert.throws(() => fitted.transform({ kind: 'image', values: new Float32Array(4), shape: [2] }, 'body'), errorLike(ShapeMismatchError, /fitted as text/));
  });
});
