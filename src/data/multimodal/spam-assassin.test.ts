import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADER_CATEGORICAL_FEATURES, HEADER_NUMERIC_FEATURES } from './email-header-features.js';
import { capText, loadSpamAssassin, parseSpamAssassinMessage, readSpamAssassinCorpus, SPAM_ASSASSIN_CLASS_NAMES } from './spam-assassin.js';
import { ConfigError } from '../../errors.js';

const REPORT_MARKS = [/Start SpamAssassin results/, /This mail is probably spam/, /Content analysis details/, /Spam detection software, running on the system/];

test('parseSpamAssassinMessage strips filter headers and the body report', () => {
  const raw = [
    'From spammer@example.com  Thu Aug 22 13:17:22 2002',
    'X-Spam-Status: Yes, hits=9.9 required=5.0',
    'X-Spam-Flag: YES',
    'X-Keywords: spam',
    'From: "Win" <win@example.cn>',
    'Subject: WIN!!!',
    'Content-Type: text/plain',
    '',
    'SPAM: -------------------- Start SpamAssassin results ----------------------',
    'SPAM: This mail is probably spam.',
    'You won a prize',
  ].join('\n');
  const { features, body } = parseSpamAssassinMessage(raw);
  assert.equal(body, 'You won a prize');
  assert.equal(features.numeric.header_count, 3);
  assert.equal(features.categorical.from_tld, 'cn');
});

test('the corpus: 6,046 messages in five groups; after deduplication both classes, a stratified 80/20 split', () => {
  const all = readSpamAssassinCorpus();
  assert.equal(all.length, 6046);
  const groups = new Map<string, number>();
  for (const m of all) groups.set(m.group, (groups.get(m.group) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(groups), { 'easy-ham-1': 2500, 'easy-ham-2': 1400, 'hard-ham-1': 250, 'spam-1': 500, 'spam-2': 1396 });
  const data = loadSpamAssassin();
  const [ham, spam] = data.classCounts;
  assert.equal(ham + spam + data.duplicatesRemoved, 6046);
  assert.ok(data.duplicatesRemoved > 100 && data.duplicatesRemoved < 500, `removed ${data.duplicatesRemoved}`);
  assert.ok(ham > 3900 && spam > 1500, `${ham} ham, ${spam} spam`);
  assert.equal(data.train.length + data.test.length, ham + spam);
  for (const ds of [data.train, data.test]) {
    assert.deepEqual(ds.classNames, SPAM_ASSASSIN_CLASS_NAMES);
    assert.deepEqual(Object.keys(ds.modalities), ['header', 'body']);
  }
  const testSpam = data.test.labels.reduce((s, y) => s + y, 0);
  assert.ok(Math.abs(testSpam - 0.2 * spam) <= 1);
  assert.ok(Math.abs(data.test.length - testSpam - 0.2 * ham) <= 1);
  const noDedup = loadSpamAssassin({ deduplicate: false });
  assert.equal(noDedup.train.length + noDedup.test.length, 6046);
});

test('no removed header survives: no feature value mentions a filter, no body holds a SpamAssassin report', () => {
  const { train, test: testSet } = loadSpamAssassin();
  for (const ds of [train, testSet]) {
    const header = ds.modalities.header;
    const body = ds.modalities.body;
    assert.ok(header.kind === 'tabular' && body.kind === 'text');
    assert.deepEqual(header.numericNames, [...HEADER_NUMERIC_FEATURES]);
    assert.deepEqual(header.categoricalNames, [...HEADER_CATEGORICAL_FEATURES]);
    for (const column of header.categorical) for (const v of column) assert.ok(!/x-spam|spam-(status|level|flag)|virus|razor|x-keywords/i.test(v), `categorical value ${v}`);
    for (const t of body.texts) for (const mark of REPORT_MARKS) assert.ok(!mark.test(t), `a body holds a report: ${t.slice(0, 200)}`);
    // the only NaNs are the Date features of messages without a readable Date
    const w = header.numericNames.length;
    for (let i = 0; i < ds.length; i++) {
      for (let k = 0; k < w; k++) {
        if (Number.isNaN(header.numeric[i * w + k])) assert.ok(header.numericNames[k].startsWith('date_'), `NaN in ${header.numericNames[k]}`);
      }
    }
  }
});

test('no categorical value is a near-certain spam marker (what a leaked filter header would look like)', () => {
  const { train } = loadSpamAssassin();
  const header = train.modalities.header;
  assert.ok(header.kind === 'tabular');
  header.categorical.forEach((column, k) => {
    const counts = new Map<string, [number, number]>();
    column.forEach((v, i) => {
      const c = counts.get(v) ?? [0, 0];
      c[train.labels[i]]++;
      counts.set(v, c);
    });
    for (const [v, [ham, spam]] of counts) assert.ok(!(spam >= 100 && ham <= spam * 0.01), `${header.categoricalNames[k]} = '${v}': ${spam} spam, ${ham} ham`);
  });
});

test('the body modality is capped, missing where a message has no text, and deterministic per seed', () => {
  const a = loadSpamAssassin({ seed: 3, maxBodyChars: 300 });
  const b = loadSpamAssassin({ seed: 3, maxBodyChars: 300 });
  const c = loadSpamAssassin({ seed: 4, maxBodyChars: 300 });
  const texts = (d: typeof a): readonly string[] => (d.test.modalities.body.kind === 'text' ? d.test.modalities.body.texts : []);
  assert.deepEqual(texts(a), texts(b));
  assert.deepEqual(Array.from(a.test.labels), Array.from(b.test.labels));
  assert.notDeepEqual(texts(a), texts(c));
  assert.ok(texts(a).every((t) => t.length <= 300));
  const present = a.train.present?.body;
  assert.ok(present !== undefined);
  const trainTexts = a.train.modalities.body.kind === 'text' ? a.train.modalities.body.texts : [];
  trainTexts.forEach((t, i) => assert.equal(present[i], t === '' ? 0 : 1));
  assert.ok(present.some((p) => p === 0));
});

test('capText keeps surrogate pairs whole; bad options are config errors', () => {
  assert.equal(capText('ab😀c', 3), 'ab');
  assert.equal(capText('ab😀c', 4), 'ab😀');
  assert.equal(capText('abc', 10), 'abc');
  assert.throws(() => loadSpamAssassin({ testFraction: 1 }), ConfigError);
  assert.throws(() => loadSpamAssassin({ maxBodyChars: 0 }), ConfigError);
});
