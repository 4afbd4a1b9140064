/** Splitting texts into words: runs of letters and digits, punctuation, Unicode cases, options. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countWords, splitWords } from './pre-tokenize.js';

const KEEP = { lowercase: true, punctuation: 'keep' } as const;
const DROP = { lowercase: true, punctuation: 'drop' } as const;

describe('splitWords', () => {
  test('letter and digit runs, one token per punctuation or symbol character', () => {
    assert.deepEqual(splitWords("Don't pay $5!", KEEP), ['don', "'", 't', 'pay', '$', '5', '!']);
    assert.deepEqual(splitWords("Don't pay $5!", DROP), ['don', 't', 'pay', '5']);
  });

  test('Unicode: accents and non-Latin letters stay in their word, CJK characters are one word each, NFKC folds full-width forms', () => {
    assert.deepEqual(splitWords('Naïve Straße, Ελλάδα!', KEEP), ['naïve', 'straße', ',', 'ελλάδα', '!']);
    assert.deepEqual(splitWords('東京abc', KEEP), ['東', '京', 'abc']);
    assert.deepEqual(splitWords('ＡＢＣ１２', KEEP), ['abc12']);
    // a combining accent (e + U+0301) is composed by NFKC into one letter
    assert.deepEqual(splitWords('Cafe\u0301', KEEP), ['café']);
  });

  test('lower-casing is an option; whitespace and control characters only separate', () => {
    assert.deepEqual(splitWords('The\tCAT\n\u0000sat', { lowercase: false, punctuation: 'keep' }), ['The', 'CAT', 'sat']);
    assert.deepEqual(splitWords('   \n\t ', KEEP), []);
  });

  test('max: stops after the first words', () => {
    assert.deepEqual(splitWords('a b c d', KEEP, 2), ['a', 'b']);
    assert.deepEqual(splitWords('a b', KEEP, 0), []);
  });

  test('countWords counts over texts', () => {
    assert.deepEqual([...countWords(['a b a', 'B!'], KEEP)], [['a', 2], ['b', 2], ['!', 1]]);
  });
});
