import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBase64,
  decodeCharset,
  decodeEncodedWords,
  decodeQuotedPrintable,
  headerValue,
  headerValues,
  htmlToText,
  looksLikeHtml,
  parseMime,
  parseParameterized,
  splitMessage,
} from './email-parse.js';

/** A message as the corpus stores it: lines joined with \n (or \r\n), bytes as a binary string. */
const msg = (lines: string[], eol = '\n'): string => lines.join(eol);

test('splitMessage skips the mbox line, unfolds continuation lines and matches names case-insensitively', () => {
  const raw = msg(['From someone@example.com  Thu Aug 22 13:17:22 2002', 'Subject: a long', '\tsubject line', 'RECEIVED: from a', '    by b', 'received: from c', 'X-Empty:', '', 'body line 1', '', 'body line 3']);
  const { headers, body } = splitMessage(raw);
  assert.deepEqual(
    headers.map((h) => [h.name, h.value]),
    [
      ['Subject', 'a long\tsubject line'],
      ['RECEIVED', 'from a    by b'],
      ['received', 'from c'],
      ['X-Empty', ''],
    ],
  );
  assert.equal(headerValue(headers, 'subject'), 'a long\tsubject line');
  assert.deepEqual(headerValues(headers, 'Received'), ['from a    by b', 'from c']);
  assert.equal(headerValue(headers, 'x-mailer'), undefined);
  assert.equal(body, 'body line 1\n\nbody line 3');
});

test('splitMessage handles CRLF, a message without body, and a non-header line that starts the body', () => {
  const crlf = splitMessage(msg(['To: a@b.c', 'Subject: hi', '', 'text'], '\r\n'));
  assert.deepEqual(crlf.headers.map((h) => h.value), ['a@b.c', 'hi']);
  assert.equal(crlf.body, 'text');
  assert.equal(splitMessage('To: a@b.c\nSubject: x').body, '');
  const broken = splitMessage(msg(['To: a@b.c', 'this is no header', 'more']));
  assert.equal(broken.headers.length, 1);
  assert.equal(broken.body, 'this is no header\nmore');
});

test('parseParameterized reads the value and quoted or bare parameters', () => {
  const ct = parseParameterized('Multipart/Alternative; boundary="----=_NextPart_000"; CHARSET=iso-8859-1');
  assert.equal(ct.value, 'multipart/alternative');
  assert.equal(ct.params.boundary, '----=_NextPart_000');
  assert.equal(ct.params.charset, 'iso-8859-1');
  assert.deepEqual(parseParameterized(undefined), { value: '', params: {} });
});

test('quoted-printable: =XX bytes and soft line breaks; a malformed = stays', () => {
  const binary = decodeQuotedPrintable('caf=C3=A9 au =\nlait=3D=\r\nok =ZZ');
  assert.equal(binary, 'caf\xc3\xa9 au lait=ok =ZZ');
  assert.equal(decodeCharset(binary, 'utf-8'), 'café au lait=ok =ZZ');
});

test('base64: line breaks and junk ignored, padding optional', () => {
  assert.equal(decodeBase64('aGVsbG8g\r\nd29ybGQ='), 'hello world');
  assert.equal(decodeBase64('aGVsbG8gd29ybGQ'), 'hello world');
  assert.equal(decodeBase64(''), '');
});

test('decodeCharset: declared charsets, utf-8 guessed when valid, windows-1252 otherwise', () => {
  assert.equal(decodeCharset('\xe9t\xe9', 'iso-8859-1'), 'été');
  assert.equal(decodeCharset('\xc3\xa9t\xc3\xa9', undefined), 'été');
  assert.equal(decodeCharset('\xe9t\xe9', ''), 'été');
  assert.equal(decodeCharset('\x93quoted\x94', 'no-such-charset'), '“quoted”');
  assert.equal(decodeCharset('plain ascii', 'utf-8'), 'plain ascii');
});

test('RFC 2047 encoded words in B and Q form; blanks between adjacent words are dropped', () => {
  assert.equal(decodeEncodedWords('=?utf-8?B?w6lsw6h2ZQ==?= =?iso-8859-1?Q?caf=E9_noir?= !'), 'élèvecafé noir !');
  assert.equal(decodeEncodedWords('no encoding'), 'no encoding');
});

test('htmlToText drops scripts, styles and tags, breaks lines at block tags and decodes entities', () => {
  const html = '<html><head><title>T</title><style>p{}</style></head><body><!-- c --><p>Hello&nbsp;<b>you</b> &amp; &#233;&#x41;</p><script>x()</script>line<br>two</body></html>';
  assert.equal(htmlToText(html), 'Hello you & éA\nline\ntwo');
  assert.ok(looksLikeHtml('<p>a</p><p>b</p><br><br><b>c</b>'));
  assert.ok(looksLikeHtml('<HTML>x'));
  assert.ok(!looksLikeHtml('if a < b and c > d then <b>bold</b>'));
});

test('parseMime: a single quoted-printable latin-1 part', () => {
  const { headers, body } = splitMessage(msg(['Content-Type: text/plain; charset="iso-8859-1"', 'Content-Transfer-Encoding: quoted-printable', '', 'Gr=FC=DFe,  =', 'Welt']));
  const mime = parseMime(headers, body);
  assert.deepEqual(mime, { text: 'Grüße, Welt', contentType: 'text/plain', charset: 'iso-8859-1', parts: 1, attachments: 0, hasHtml: false });
});

test('parseMime: multipart/alternative prefers the text/plain part', () => {
  const raw = msg([
    'Content-Type: multipart/alternative; boundary="XX"',
    '',
    'preamble',
    '--XX',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('plain version ✓').toString('base64'),
    '--XX',
    'Content-Type: text/html',
    '',
    '<p>html version</p>',
    '--XX--',
    'epilogue',
  ]);
  const { headers, body } = splitMessage(raw);
  const mime = parseMime(headers, body);
  assert.equal(mime.text, 'plain version ✓');
  assert.equal(mime.contentType, 'multipart/alternative');
  assert.equal(mime.charset, 'utf-8');
  assert.equal(mime.parts, 2);
  assert.equal(mime.attachments, 0);
  assert.equal(mime.hasHtml, true);
});

test('parseMime: nested multipart, html only, with attachments; html turned into text', () => {
  const raw = msg([
    'Content-Type: multipart/mixed; boundary=outer',
    '',
    '--outer',
    'Content-Type: multipart/related; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/html; charset=windows-1252',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<html><body><h1>Buy =93now=94</h1>cheap</body></html>',
    '--inner',
    'Content-Type: image/gif',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAAAAACw=',
    '--inner--',
    '--outer',
    'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    'attached text',
    '--outer--',
  ]);
  const { headers, body } = splitMessage(raw);
  const mime = parseMime(headers, body);
  assert.equal(mime.text, 'Buy “now”\ncheap');
  assert.equal(mime.contentType, 'multipart/mixed');
  assert.equal(mime.charset, 'windows-1252');
  assert.equal(mime.parts, 3);
  assert.equal(mime.attachments, 2);
});

test('parseMime: a multipart without its boundary in the body, and a missing Content-Type', () => {
  const lost = splitMessage(msg(['Content-Type: multipart/mixed; boundary="nowhere"', '', 'just text']));
  assert.equal(parseMime(lost.headers, lost.body).text, 'just text');
  const bare = splitMessage(msg(['Subject: x', '', '  some   text  ', '', '', '', 'end']));
  const mime = parseMime(bare.headers, bare.body);
  assert.equal(mime.text, 'some text\n\nend');
  assert.equal(mime.contentType, 'text/plain');
  assert.equal(mime.charset, '');
});

test('parseMime: a text/plain part that is really HTML is turned into text', () => {
  const m = splitMessage(msg(['Content-Type: text/plain', '', '<html><body><font size=3>Free</font> &amp; <b>easy</b></body></html>']));
  assert.equal(parseMime(m.headers, m.body).text, 'Free & easy');
});
