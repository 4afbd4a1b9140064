/**
 * A small, tolerant parser of RFC 822 / RFC 5322 messages and their MIME bodies (RFC 2045-2047),
 * written for the SpamAssassin public corpus (spam-assassin.ts). Pure and browser-safe (no
 * Buffer: bytes are carried as "binary strings", one char per byte, as `readFileSync(path,
 * 'latin1')` gives them, and decoded with TextDecoder).
 *
 * - Headers: a leading mbox "From " envelope line is skipped (the mailbox added it, it is not a
 *   header); the header block ends at the first empty line; continuation lines (starting with
 *   a space or tab) are unfolded into the previous field (the line break is removed, the
 *   whitespace kept); names are matched case-insensitively. A line that is neither a field nor
 *   a continuation ends the header block and starts the body (broken spam).
 * - Bodies: Content-Transfer-Encoding quoted-printable and base64 are decoded (7bit, 8bit,
 *   binary and unknown ones are taken as they are); the charset is decoded best-effort with
 *   TextDecoder (utf-8, iso-8859-*, windows-125x, gb2312, big5, euc-kr, shift_jis, ...; an
 *   unknown or missing charset is read as utf-8 when the bytes are valid utf-8, else as
 *   windows-1252). Multipart bodies are split at their boundaries (recursively, and through
 *   message/rfc822 parts); the text is the text/plain parts joined, or, when there is none,
 *   the text/html parts turned into text (tags, scripts, styles and comments removed, block
 *   tags as line breaks, entities decoded); a "plain" part that is HTML (an <html> or <body>
 *   tag, or 5 common tags: spam mislabels its parts) is turned into text the same way. Parts with `Content-Disposition: attachment`, and
 *   non-text parts, count as attachments and add no text.
 */

/** One header field: its name as written, its name in lower case, and its unfolded value (leading blanks removed). */
export interface HeaderField {
  readonly name: string;
  readonly lower: string;
  readonly value: string;
}

/** A message (or MIME part) split into its header fields and its body (a binary string). */
export interface RawMessage {
  readonly headers: readonly HeaderField[];
  readonly body: string;
}

const FIELD = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * Splits a message (a binary string) into header fields and body. `mbox`: whether a first line
 * starting with "From " is an mbox envelope line to skip (true for whole messages, false for MIME parts).
 */
export function splitMessage(raw: string, mbox = true): RawMessage {
  const headers: { name: string; lower: string; value: string }[] = [];
  let pos = 0;
  if (mbox && raw.startsWith('From ')) {
    const nl = raw.indexOf('\n');
    pos = nl < 0 ? raw.length : nl + 1;
  }
  while (pos < raw.length) {
    const nl = raw.indexOf('\n', pos);
    const end = nl < 0 ? raw.length : nl;
    const line = raw.charCodeAt(end - 1) === 13 ? raw.slice(pos, end - 1) : raw.slice(pos, end);
    const next = nl < 0 ? raw.length : nl + 1;
    if (line === '') return { headers: headers.map(trimmed), body: raw.slice(next) };
    const first = line.charCodeAt(0);
    if ((first === 32 || first === 9) && headers.length > 0) {
      const last = headers[headers.length - 1];
      last.value += line;
      pos = next;
      continue;
    }
    const m = FIELD.exec(line);
    if (m === null) return { headers: headers.map(trimmed), body: raw.slice(pos) };
    headers.push({ name: m[1], lower: m[1].toLowerCase(), value: m[2] });
    pos = next;
  }
  return { headers: headers.map(trimmed), body: '' };
}

function trimmed(h: { name: string; lower: string; value: string }): HeaderField {
  return { name: h.name, lower: h.lower, value: h.value.trim() };
}

/** The value of the first header named `name` (case-insensitive), trimmed, or undefined. */
export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const h = headers.find((x) => x.lower === lower);
  return h === undefined ? undefined : h.value.trim();
}

/** The values of every header named `name` (case-insensitive), trimmed, in order. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((x) => x.lower === lower).map((x) => x.value.trim());
}

/** A structured header value such as `text/plain; charset="utf-8"`: the value in lower case and its parameters (names in lower case, quotes removed). */
export interface ParameterizedValue {
  readonly value: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `value; name=value; name="quoted value"` (Content-Type, Content-Disposition). */
export function parseParameterized(header: string | undefined): ParameterizedValue {
  if (header === undefined) return { value: '', params: {} };
  const semi = header.indexOf(';');
  const value = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  const rest = semi < 0 ? '' : header.slice(semi);
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    const name = m[1].toLowerCase();
    if (!(name in params)) params[name] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return { value, params };
}

/** Decodes quoted-printable (RFC 2045 6.7): `=XX` bytes and `=` soft line breaks; a malformed `=` is kept as it is. */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=(?:\r?\n|([0-9A-Fa-f]{2}))/g, (_, hex: string | undefined) => (hex === undefined ? '' : String.fromCharCode(parseInt(hex, 16))));
}

/** Decodes base64 to a binary string, ignoring characters outside the alphabet and anything after the padding; an incomplete last quantum is dropped. */
export function decodeBase64(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9+/=]/g, '');
  const pad = clean.indexOf('=');
  let data = pad < 0 ? clean : clean.slice(0, pad);
  data = data.slice(0, data.length - (data.length % 4 === 1 ? 1 : 0));
  const padded = data + '='.repeat((4 - (data.length % 4)) % 4);
  return atob(padded);
}

/** The bytes of a binary string. */
export function binaryToBytes(binary: string): Uint8Array {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i) & 0xff;
  return out;
}

/** A TextDecoder (the global of browsers and Node). */
type Decoder = InstanceType<typeof TextDecoder>;

const decoders = new Map<string, Decoder | null>();

function decoderFor(label: string, fatal: boolean): Decoder | null {
  const key = `${label}|${fatal}`;
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(label, { fatal });
    } catch {
      d = null;
    }
    decoders.set(key, d);
  }
  return d;
}

/** Aliases TextDecoder does not know under the name mail uses. */
const CHARSET_ALIASES: Readonly<Record<string, string>> = {
  'ks_c_5601-1987': 'euc-kr',
  ks_c_5601: 'euc-kr',
  'x-sjis': 'shift_jis',
  'x-euc-jp': 'euc-jp',
  'x-gbk': 'gbk',
  'iso-8859-8-i': 'iso-8859-8',
  'x-user-defined': 'windows-1252',
  'unicode-1-1-utf-7': 'utf-8',
};

/** Unicode of the bytes 0x80-0x9f in windows-1252 (undefined ones stay as they are). */
const CP1252_HIGH = '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/**
 * Decodes windows-1252 (the WHATWG reading of latin-1 and ascii labels too). Written out because
 * some Node versions' TextDecoder reads it as plain latin-1 (0x93 as U+0093, not a quote).
 */
export function decodeWindows1252(binary: string): string {
  return binary.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

const WINDOWS_1252_LABELS = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'ascii', 'ansi_x3.4-1968', 'cp819', 'ibm819', 'iso-ir-100']);

/** Whether a binary string holds only 7-bit bytes. */
function isAscii(binary: string): boolean {
  for (let i = 0; i < binary.length; i++) if (binary.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * Decodes a binary string in `charset` (best-effort): latin-1, ascii and windows-1252 labels as
 * windows-1252 (as browsers do); another charset TextDecoder knows with it (replacement
 * characters for bad bytes); a missing or unknown one as utf-8 when the bytes are valid utf-8,
 * else as windows-1252.
 */
export function decodeCharset(binary: string, charset: string | undefined): string {
  if (isAscii(binary)) return binary;
  const label = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  const name = CHARSET_ALIASES[label] ?? label;
  if (WINDOWS_1252_LABELS.has(name)) return decodeWindows1252(binary);
  const bytes = binaryToBytes(binary);
  const known = name === '' ? null : decoderFor(name, false);
  if (known !== null) return known.decode(bytes);
  const utf8 = decoderFor('utf-8', true);
  if (utf8 !== null) {
    try {
      return utf8.decode(bytes);
    } catch {
      // not utf-8: fall through to windows-1252
    }
  }
  return decodeWindows1252(binary);
}

/** Decodes RFC 2047 encoded words (`=?charset?B?...?=`, `=?charset?Q?...?=`) in a header value; blanks between two encoded words are dropped, as the RFC says. */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  const joined = value.replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g, '$1');
  return joined.replace(word, (_, charset: string, enc: string, text: string) => {
    const binary = enc.toUpperCase() === 'B' ? decodeBase64(text) : decodeQuotedPrintable(text.replace(/_/g, ' '));
    return decodeCharset(binary, charset.replace(/\*.*$/, ''));
  });
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  middot: '·',
  bull: '•',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  deg: '°',
  times: '×',
  iexcl: '¡',
  iquest: '¿',
};

/** Decodes HTML character references: the common named ones and every numeric one (unknown names are kept). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9A-Fa-f]{1,6}|#\d{1,7}|[A-Za-z]{2,8});?/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : ' ';
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Collapses runs of blanks, trims lines, and keeps at most one empty line between paragraphs. */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** HTML to plain text: comments, head, scripts and styles dropped, block tags as line breaks, other tags removed, entities decoded. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
    .replace(/<(script|style|head|title)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
    .replace(/<\s*(br|p|div|tr|li|h[1-6]|table|blockquote|hr|center|ul|ol|dd|dt)\b[^>]*>/gi, '\n')
    .replace(/<\s*\/\s*(p|div|tr|li|h[1-6]|table|blockquote|center|ul|ol)\s*>/gi, '\n')
    .replace(/<\s*td\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/<[^>]*$/, '');
  return normalizeWhitespace(decodeEntities(text));
}

const HTML_TAG = /<\/?(p|br|div|font|table|td|tr|a|b|i|img|center|span|li|h[1-6])\b[^>]*>/gi;

/** Whether a part declared as plain text is HTML (spam often mislabels it): an <html> or <body> tag, or at least 5 common tags. */
export function looksLikeHtml(text: string): boolean {
  if (/<\s*(html|body)\b/i.test(text)) return true;
  let n = 0;
  HTML_TAG.lastIndex = 0;
  while (n < 5 && HTML_TAG.exec(text) !== null) n++;
  return n >= 5;
}

/** What a message's MIME structure holds. */
export interface MimeContent {
  /** The body text: the text/plain parts joined by a blank line, or else the text/html parts as text; whitespace normalized. */
  readonly text: string;
  /** The top-level content type in lower case (`text/plain` when the header is missing or empty). */
  readonly contentType: string;
  /** The charset of the first body text part in lower case, or '' if none was declared. */
  readonly charset: string;
  /** Leaf parts (1 for a single-part message). */
  readonly parts: number;
  /** Leaf parts that are attachments: `Content-Disposition: attachment`, or not text/*. */
  readonly attachments: number;
  /** Whether some leaf is text/html. */
  readonly hasHtml: boolean;
}

interface Leaf {
  readonly type: string;
  readonly charset: string;
  readonly text: string;
}

/** The decoded (transfer encoding and charset) content of a leaf part. */
function decodePart(headers: readonly HeaderField[], body: string, charset: string): string {
  const cte = (headerValue(headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  const binary = cte === 'quoted-printable' ? decodeQuotedPrintable(body) : cte === 'base64' ? decodeBase64(body) : body;
  return decodeCharset(binary, charset);
}

/** Splits a multipart body at `--boundary` lines: the parts between the first delimiter and the closing one (or the end). Undefined if no delimiter occurs. */
export function splitMultipart(body: string, boundary: string): string[] | undefined {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let start = -1;
  let pos = 0;
  while (pos <= body.length) {
    const nl = body.indexOf('\n', pos);
    const end = nl < 0 ? body.length : nl;
    const next = nl < 0 ? body.length + 1 : nl + 1;
    if (body.startsWith(delimiter, pos)) {
      const after = body.slice(pos + delimiter.length, end).replace(/\r$/, '');
      const closing = after.startsWith('--');
      if (closing || after.trim() === '') {
        if (start >= 0) parts.push(body.slice(start, Math.max(start, pos - 1)).replace(/\r$/, ''));
        if (closing) return parts;
        start = next;
      }
    }
    pos = next;
  }
  if (start < 0) return undefined;
  if (start <= body.length) parts.push(body.slice(start));
  return parts;
}

const MAX_DEPTH = 12;

/** Walks a MIME entity, collecting text leaves and counting parts and attachments. */
function walk(headers: readonly HeaderField[], body: string, depth: number, out: { leaves: Leaf[]; parts: number; attachments: number; html: boolean }, defaultType = 'text/plain'): void {
  const ct = parseParameterized(headerValue(headers, 'content-type'));
  const type = ct.value === '' || !ct.value.includes('/') ? (ct.value === 'text' ? 'text/plain' : defaultType) : ct.value;
  if (type.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = ct.params.boundary;
    const parts = boundary === undefined || boundary === '' ? undefined : splitMultipart(body, boundary);
    if (parts !== undefined) {
      const childDefault = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      for (const part of parts) {
        const child = splitMessage(part, false);
        walk(child.headers, child.body, depth + 1, out, childDefault);
      }
      return;
    }
    // A multipart without a usable boundary: read the body as plain text.
    out.parts++;
    out.leaves.push({ type: 'text/plain', charset: ct.params.charset ?? '', text: decodePart(headers, body, ct.params.charset ?? '') });
    return;
  }
  if (type === 'message/rfc822' && depth < MAX_DEPTH) {
    const inner = splitMessage(body, false);
    walk(inner.headers, inner.body, depth + 1, out);
    return;
  }
  out.parts++;
  const disposition = parseParameterized(headerValue(headers, 'content-disposition'));
  if (type === 'text/html') out.html = true;
  if (!type.startsWith('text/') || disposition.value === 'attachment') {
    out.attachments++;
    return;
  }
  const charset = (ct.params.charset ?? '').toLowerCase();
  out.leaves.push({ type, charset, text: decodePart(headers, body, charset) });
}

/** Decodes the MIME content of a message: its body text and a summary of its structure. */
export function parseMime(headers: readonly HeaderField[], body: string): MimeContent {
  const out = { leaves: [] as Leaf[], parts: 0, attachments: 0, html: false };
  walk(headers, body, 0, out);
  const plain = out.leaves.filter((l) => l.type !== 'text/html');
  const html = out.leaves.filter((l) => l.type === 'text/html');
  const chosen = plain.length > 0 ? plain : html;
  const text = chosen.map((l) => (l.type === 'text/html' || looksLikeHtml(l.text) ? htmlToText(l.text) : normalizeWhitespace(l.text))).filter((t) => t !== '').join('\n\n');
  const top = parseParameterized(headerValue(headers, 'content-type')).value;
  return {
    text,
    contentType: top === '' || !top.includes('/') ? 'text/plain' : top,
    charset: chosen.find((l) => l.charset !== '')?.charset ?? '',
    parts: out.parts,
    attachments: out.attachments,
    hasHtml: out.html,
  };
}
