import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerText, safeLine } from './peer-text.js';

test('peerText quotes and escapes newlines, quotes and control characters so a peer cannot forge a log line', () => {
  const forged = 'x\n2026-01-01T00:00:00.000Z client client-a joined from 6.6.6.6\r\u001b[31m"\u2028';
  const out = peerText(forged);
  assert.ok(![...out].some((c) => c === '\n' || c === '\r' || c === '\u001b' || c === '\u2028'), out);
  assert.ok(out.startsWith('"x\\n2026'));
  assert.ok(out.includes('\\u001b') && out.includes('\\"') && out.includes('\\u2028'));
});

test('peerText truncates to the limit and says how much was left off', () => {
  const out = peerText('a'.repeat(1_000_000));
  assert.ok(out.length < 260, `${out.length}`);
  assert.match(out, /…\(999800 more characters\)$/);
  assert.equal(peerText(42), '"42"');
});

test('safeLine escapes control characters without quoting and cuts long text', () => {
  assert.equal(safeLine('a\nb'), 'a\\u000ab');
  const long = safeLine('b'.repeat(10_000));
  assert.ok(long.length < 900);
  assert.match(long, /more characters\)$/);
});
