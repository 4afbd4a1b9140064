/** BPE merge learning on Sennrich et al.'s example dictionary, worked out by hand, in both markings; stopping rules; a naive replay on a larger corpus. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { initialSymbols, learnMerges, mergedSymbol } from './learn-merges.js';

/** Sennrich et al. (2016)'s example dictionary. */
const WORDS = new Map([
  ['low', 5],
  ['lower', 2],
  ['newest', 6],
  ['widest', 3],
]);

describe('learnMerges', () => {
  test('end-of-word marking: the merges of the paper\'s example, worked out by hand', () => {
    const learned = learnMerges(WORDS, { vocabSize: 21, minCount: 1, marking: 'end-of-word' });
    // character counts: e 2+12+3=17, w 2+6+3=11, s 9, t</w> 9, l 7, o 7, n 6, w</w> 5, d 3, i 3, r</w> 2
    assert.deepEqual(learned.alphabet, ['e', 'w', 's', 't</w>', 'l', 'o', 'n', 'w</w>', 'd', 'i', 'r</w>']);
    // 1. (e,s) 9 ties (s,t</w>) 9: 'e' < 's'.  2. (es,t</w>) 9.  3. (l,o) 7.
    // 4. (e,w) 6, (n,e) 6, (w,est</w>) 6 tie: 'e' first.  5. (ew,est</w>) 6 ties (n,ew) 6: 'ew' < 'n'.
    // 6. (n,ewest</w>) 6.  7. (lo,w</w>) 5.  8. (d,est</w>) 3, (i,d) 3, (w,i) 3 tie: 'd' first.
    assert.deepEqual(learned.merges, [
      ['e', 's'],
      ['es', 't</w>'],
      ['l', 'o'],
      ['e', 'w'],
      ['ew', 'est</w>'],
      ['n', 'ewest</w>'],
      ['lo', 'w</w>'],
      ['d', 'est</w>'],
    ]);
    assert.deepEqual(learned.vocabulary.slice(13), ['es', 'est</w>', 'lo', 'ew', 'ewest</w>', 'newest</w>', 'low</w>', 'dest</w>']);
    assert.equal(learned.vocabulary.length, 21);
  });

  test('continuation marking (WordPiece): ## on non-initial characters', () => {
    assert.deepEqual(initialSymbols('low', 'continuation'), ['l', '##o', '##w']);
    assert.equal(mergedSymbol('##o', '##w', 'continuation'), '##ow');
    assert.equal(mergedSymbol('l', '##ow', 'continuation'), 'low');
    const learned = learnMerges(WORDS, { vocabSize: 21, minCount: 1, marking: 'continuation' });
    // ##e 17, ##w 13, ##s 9, ##t 9, ##o 7, l 7, n 6, ##d 3, ##i 3, w 3, ##r 2 ('#' sorts before letters)
    assert.deepEqual(learned.alphabet, ['##e', '##w', '##s', '##t', '##o', 'l', 'n', '##d', '##i', 'w', '##r']);
    assert.deepEqual(learned.merges, [
      ['##e', '##s'],
      ['##es', '##t'],
      ['##o', '##w'], // (##o,##w) 7 ties (l,##o) 7
      ['l', '##ow'],
      ['##e', '##w'], // 6: (##e,##w), (##w,##est), (n,##e)
      ['##ew', '##est'],
      ['n', '##ewest'],
      ['##d', '##est'],
    ]);
    assert.deepEqual(learned.vocabulary.slice(13), ['##es', '##est', '##ow', 'low', '##ew', '##ewest', 'newest', '##dest']);
  });

  test('stops at minCount and when the vocabulary is full; a small vocabulary caps the alphabet', () => {
    const few = learnMerges(WORDS, { vocabSize: 100, minCount: 7, marking: 'end-of-word' });
    // characters with at least 7 occurrences: e, w, s, t</w>, l, o; merges with at least 7: (e,s) 9, (es,t</w>) 9, (l,o) 7
    assert.deepEqual(few.alphabet, ['e', 'w', 's', 't</w>', 'l', 'o']);
    assert.deepEqual(few.merges, [
      ['e', 's'],
      ['es', 't</w>'],
      ['l', 'o'],
    ]);
    const tiny = learnMerges(WORDS, { vocabSize: 5, minCount: 1, marking: 'end-of-word' });
    assert.deepEqual(tiny.alphabet, ['e', 'w', 's']);
    assert.deepEqual(tiny.merges, []);
    // the alphabet comes first: 14 = 2 specials + 11 characters + 1 merge, (e,s) 9, which ties (s,t</w>) 9
    const fourteen = learnMerges(WORDS, { vocabSize: 14, minCount: 1, marking: 'end-of-word' });
    assert.equal(fourteen.alphabet.length, 11);
    assert.deepEqual(fourteen.merges, [['e', 's']]);
    // 6 = 2 specials + 4 characters: no room left for a merge
    const six = learnMerges(WORDS, { vocabSize: 6, minCount: 1, marking: 'end-of-word' });
    assert.deepEqual(six.alphabet, ['e', 'w', 's', 't</w>']);
    assert.deepEqual(six.merges, []);
  });

  test('on a larger corpus: every token once, each merge is a most frequent pair of the segmentation so far (recounted naively), counts never grow', () => {
    const rng = createRng(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const word = Array.from({ length: 1 + rng.int(7) }, () => 'abcde'[rng.int(5)]).join('');
      counts.set(word, (counts.get(word) ?? 0) + 1 + rng.int(3));
    }
    const learned = learnMerges(counts, { vocabSize: 200, minCount: 2, marking: 'end-of-word' });
    assert.equal(new Set(learned.vocabulary).size, learned.vocabulary.length);
    assert.ok(learned.merges.length > 50, `${learned.merges.length} merges`);
    // replay: the count of each merge, recounted naively on the segmentation so far, never grows
    const words = [...counts].map(([w, c]) => ({ symbols: initialSymbols(w, 'end-of-word'), c }));
    let last = Infinity;
    for (const [a, b] of learned.merges) {
      const pairs = new Map<string, number>();
      for (const w of words) for (let i = 0; i + 1 < w.symbols.length; i++) pairs.set(`${w.symbols[i]} ${w.symbols[i + 1]}`, (pairs.get(`${w.symbols[i]} ${w.symbols[i + 1]}`) ?? 0) + w.c);
      const n = pairs.get(`${a} ${b}`) ?? 0;
      assert.equal(n, Math.max(...pairs.values()), `merge ${a} + ${b} is a most frequent pair`);
      assert.ok(n >= 2 && n <= last, `merge ${a} + ${b}: count ${n} after ${last}`);
      last = n;
      for (const w of words) {
        const out: string[] = [];
        for (let i = 0; i < w.symbols.length; i++) {
          if (i + 1 < w.symbols.length && w.symbols[i] === a && w.symbols[i + 1] === b) {
            out.push(a + b);
            i++;
          } else out.push(w.symbols[i]);
        }
        w.symbols = out;
      }
    }
  });

  test('deterministic whatever the order of the word counts', () => {
    const reversed = new Map([...WORDS].reverse());
    assert.deepEqual(learnMerges(reversed, { vocabSize: 30, minCount: 1, marking: 'end-of-word' }), learnMerges(WORDS, { vocabSize: 30, minCount: 1, marking: 'end-of-word' }));
  });
});
