/** The word, BPE and WordPiece tokenizers on small corpora with ids worked out by hand; saving, restoring and refusing states; the vocabulary check. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLike } from '../../../engine/testing.js';
import { ConfigError, DataMalformedError, UnknownNameError } from '../../../errors.js';
import { hashStrings, PAD_ID, UNK_ID, type TokenizerFitOptions } from '../tokenizer.js';
import { checkVocabularyMatches, vocabularySignature } from '../vocabulary-check.js';
import { fitTokenizer, getTokenizer, restoreTokenizer } from './registry.js';

const OPTIONS: TokenizerFitOptions = { vocabSize: 100, minCount: 1, lowercase: true, punctuation: 'keep' };

/** Sennrich et al. (2016)'s example as texts: low ×5, lower ×2, newest ×6, widest ×3. */
const SENNRICH = [...Array(5).fill('low'), ...Array(2).fill('lower'), ...Array(6).fill('newest'), ...Array(3).fill('widest')].join(' ');

describe('word tokenizer', () => {
  const texts = ['The cat sat.', 'the cat ran!', 'A dog sat'];

  test('vocabulary by count, ties in code-unit order, after [PAD] and [UNK]', () => {
    const t = fitTokenizer('word', texts, OPTIONS);
    // counts: cat 2, sat 2, the 2, then 1 each: '!' (U+21) < '.' (U+2E) < a < dog < ran
    assert.deepEqual(t.vocabulary, ['[PAD]', '[UNK]', 'cat', 'sat', 'the', '!', '.', 'a', 'dog', 'ran']);
    assert.deepEqual(t.encode('The dog sat!'), [4, 8, 3, 5]);
    assert.deepEqual(t.encode('The mouse'), [4, UNK_ID]);
    assert.equal(t.decode([4, 8, 3, 5, PAD_ID, PAD_ID]), 'the dog sat !');
  });

  test('the vocabulary cap and minCount leave words out as [UNK]', () => {
    const capped = fitTokenizer('word', texts, { ...OPTIONS, vocabSize: 6 });
    assert.deepEqual(capped.vocabulary, ['[PAD]', '[UNK]', 'cat', 'sat', 'the', '!']);
    assert.deepEqual(capped.encode('The dog sat!'), [4, UNK_ID, 3, 5]);
    const common = fitTokenizer('word', texts, { ...OPTIONS, minCount: 2 });
    assert.deepEqual(common.vocabulary, ['[PAD]', '[UNK]', 'cat', 'sat', 'the']);
  });

  test('casing and punctuation options', () => {
    const cased = fitTokenizer('word', ['The the'], { ...OPTIONS, lowercase: false });
    assert.deepEqual(cased.vocabulary.slice(2), ['The', 'the']);
    const dropped = fitTokenizer('word', texts, { ...OPTIONS, punctuation: 'drop' });
    assert.ok(!dropped.vocabulary.includes('!'));
    assert.deepEqual(dropped.encode('sat!'), [3]);
  });

  test('maxTokens stops early', () => {
    const t = fitTokenizer('word', texts, OPTIONS);
    assert.deepEqual(t.encode('the cat sat the cat', 2), [4, 2]);
  });
});

describe('bpe tokenizer', () => {
  const t = fitTokenizer('bpe', [SENNRICH], { ...OPTIONS, vocabSize: 21 });

  test('vocabulary: specials, the alphabet by count, then the 8 merges of the worked example (learn-merges.test.ts)', () => {
    assert.deepEqual(t.vocabulary, ['[PAD]', '[UNK]', 'e', 'w', 's', 't</w>', 'l', 'o', 'n', 'w</w>', 'd', 'i', 'r</w>', 'es', 'est</w>', 'lo', 'ew', 'ewest</w>', 'newest</w>', 'low</w>', 'dest</w>']);
    assert.equal(t.vocabSize, 21);
  });

  test('encodes by merge rank, by hand', () => {
    // lowest: l o w e s t</w> → (e,s) rank 0 → (es,t</w>) rank 1 → (l,o) rank 2 → lo w est</w>
    assert.deepEqual(t.encode('lowest'), [15, 3, 14]);
    // newer: n e w e r</w> → (e,w) rank 3 → n ew e r</w> (no merge of n with ew was learned)
    assert.deepEqual(t.encode('newer'), [8, 16, 2, 12]);
    assert.deepEqual(t.encode('low newest widest'), [19, 18, 3, 11, 20]);
    // an unknown character is [UNK], the rest of the word still encoded: x l o w</w> → [UNK] lo w</w> → [UNK] low</w>
    assert.deepEqual(t.encode('xlow'), [UNK_ID, 19]);
    assert.equal(t.decode(t.encode('lowest newer')), 'lowest newer');
  });

  test('maxTokens counts subword tokens', () => {
    assert.deepEqual(t.encode('lowest newer', 4), [15, 3, 14, 8]);
  });
});

describe('wordpiece tokenizer', () => {
  const t = fitTokenizer('wordpiece', [SENNRICH], { ...OPTIONS, vocabSize: 21 });

  test('vocabulary from ## merges (learn-merges.test.ts)', () => {
    assert.deepEqual(t.vocabulary, ['[PAD]', '[UNK]', '##e', '##w', '##s', '##t', '##o', 'l', 'n', '##d', '##i', 'w', '##r', '##es', '##est', '##ow', 'low', '##ew', '##ewest', 'newest', '##dest']);
  });

  test('greedy longest match first, by hand; a word with an unmatched part is one [UNK]', () => {
    assert.deepEqual(t.encode('lowest'), [16, 14]); // low ##est
    assert.deepEqual(t.encode('lower'), [16, 2, 12]); // low ##e ##r
    assert.deepEqual(t.encode('widest'), [11, 10, 20]); // w ##i ##dest
    assert.deepEqual(t.encode('wax low'), [UNK_ID, 16]); // no ##a
    assert.deepEqual(t.encode('x'.repeat(101)), [UNK_ID]);
    assert.equal(t.decode([16, 14, 11, 10, 20]), 'lowest widest');
  });
});

describe('saving and restoring', () => {
  for (const kind of ['word', 'bpe', 'wordpiece']) {
    test(`${kind}: toJSON and restore give the same ids and fingerprint; the JSON survives stringify`, () => {
      const t = fitTokenizer(kind, [SENNRICH, 'The cat sat!'], { ...OPTIONS, vocabSize: 25 });
      const back = restoreTokenizer(JSON.parse(JSON.stringify(t.toJSON())));
      assert.equal(back.kind, kind);
      assert.equal(back.fingerprint, t.fingerprint);
      assert.match(t.fingerprint, /^[0-9a-f]{16}$/);
      for (const text of ['lowest newer', 'the cat, widest!', '']) assert.deepEqual(back.encode(text), t.encode(text));
      assert.doesNotThrow(() => checkVocabularyMatches(vocabularySignature(back), vocabularySignature(t), 'model'));
    });
  }

  test('a state of another kind, or not a tokenizer, is refused with a ConfigError', () => {
    const word = fitTokenizer('word', ['a b'], OPTIONS).toJSON();
    assert.throws(() => getTokenizer('bpe').restore(word), errorLike(ConfigError, /'word' tokenizer state, not a 'bpe' one/));
    assert.throws(() => restoreTokenizer({ shape: [28, 28] }), errorLike(ConfigError, /not a tokenizer/));
    assert.throws(() => restoreTokenizer({ ...word, vocabulary: ['[PAD]', '[UNK]', 'a', 'a'] }), errorLike(ConfigError, /'a' twice/));
    assert.throws(() => restoreTokenizer({ ...word, vocabulary: ['[UNK]', '[PAD]', 'a'] }), errorLike(ConfigError, /'\[PAD\]' belongs/));
    const bpe = fitTokenizer('bpe', ['ab ab'], OPTIONS).toJSON() as unknown as { merges: string[][] };
    assert.throws(() => restoreTokenizer({ ...bpe, merges: [['q', 'z']] }), errorLike(ConfigError, /not in the vocabulary/));
    assert.throws(() => fitTokenizer('sentencepiece', [], OPTIONS), errorLike(UnknownNameError, /sentencepiece/));
  });

  test('decoding an id outside the vocabulary is an error, not a guess', () => {
    const t = fitTokenizer('word', ['a b'], OPTIONS);
    assert.throws(() => t.decode([2, 99]), errorLike(DataMalformedError, /99 is outside/));
  });
});

describe('checkVocabularyMatches', () => {
  const a = fitTokenizer('word', ['the cat sat'], OPTIONS);
  const b = fitTokenizer('word', ['the dog sat'], OPTIONS);
  const c = fitTokenizer('word', ['the dog sat on a mat'], OPTIONS);

  test('refuses a tokenizer of another vocabulary: same size other tokens, another size, another kind', () => {
    assert.equal(a.vocabSize, b.vocabSize);
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.throws(() => checkVocabularyMatches(vocabularySignature(b), vocabularySignature(a), 'modality body'), errorLike(ConfigError, /^modality body: /, /other tokens or ids/, /fingerprint/));
    assert.throws(() => checkVocabularyMatches(vocabularySignature(c), vocabularySignature(a), 'modality body'), errorLike(ConfigError, /8 tokens/, /5 tokens/, /another size/));
    const bpe = fitTokenizer('bpe', ['the cat sat'], { ...OPTIONS, vocabSize: 5 });
    assert.throws(() => checkVocabularyMatches(vocabularySignature(bpe), vocabularySignature(a), 'm'), errorLike(ConfigError, /another kind/));
  });

  test('with only a size (a model\'s embedding input), checks the size', () => {
    assert.doesNotThrow(() => checkVocabularyMatches(vocabularySignature(a), { vocabSize: 5 }, 'm'));
    assert.throws(() => checkVocabularyMatches(vocabularySignature(a), { vocabSize: 6 }, 'm'), errorLike(ConfigError, /another size/));
  });

  test('fingerprints are stable across versions (models saved with them must keep loading)', () => {
    // if this fails, the hash or what it covers changed: every saved text model would be refused
    assert.equal(a.fingerprint, 'dab056eaeea63e6d');
    assert.equal(fitTokenizer('bpe', ['the cat sat'], OPTIONS).fingerprint, 'f6d33d7c8cb06c47');
    assert.equal(fitTokenizer('wordpiece', ['the cat sat'], OPTIONS).fingerprint, 'b5fa30613e6e8ab3');
    assert.notEqual(hashStrings(['ab']), hashStrings(['a', 'b']));
  });

  test('the fingerprint tells splitting options apart', () => {
    const cased = fitTokenizer('word', ['the cat sat'], { ...OPTIONS, lowercase: false });
    assert.deepEqual(cased.vocabulary, a.vocabulary);
    assert.notEqual(cased.fingerprint, a.fingerprint);
  });
});
