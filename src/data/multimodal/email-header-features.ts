/**
 * What the SpamAssassin loader keeps of a message, and the header features it computes (pure,
 * browser-safe).
 *
 * **Removed headers, so that no label leaks.** The corpus maintainers already stripped
 * SpamAssassin's own markup from most messages, but filters on the way (and the collector's own
 * mail system) left traces whose presence depends on how a message was collected, not on what
 * its sender wrote. Counting header names per class over the 6,046 messages (4,150 ham,
 * 1,896 spam) decided each rule in `REMOVED_HEADER_RULES`:
 * 1. names containing `spam` (X-Spam-Status, -Level, -Flag, -Checker-Version, -Report,
 *    X-Spam, X-SpamAssassin-*, X-SpamCop-*, X-MailScanner-SpamCheck, X-SpamAdvice ...): spam
 *    filters' verdicts (20 messages still carry one, X-Spam-Level in 3);
 * 2. names containing `virus`, `scann` or `mailscanner` (X-Virus-Scanned, X-Virus-Checked,
 *    X-AntiVirus, X-RAV-AntiVirus, X-Scanned-By, X-Scanner, X-Edinburgh-Scanned, X-MailScanner,
 *    X-UCSC-CATS-MailScanner, CR2_Outbound_MailScanner ...): scanners' verdicts of the relays;
 *    X-MailScanner alone is in 368 ham and 1 spam;
 * 3. names containing `razor`, `pyzor` or `dcc`, and `filter` (X-Razor-Id, DCC,
 *    X-DCC-*-Metrics, X-Dumb-Filters, X-VOPFilter-IP): collaborative spam detection and filter
 *    annotations;
 * 4. delivery headers written by the collector's mail system: Return-Path (99.8% of ham,
 *    88.9% of spam), Delivered-To (92.1% / 61.1%), X-Delivered-To, Delivery-Date (4.2% / 28.0%),
 *    Envelope-To, X-Envelope-To, X-Original-To, X-Originally-To, X-MDaemon-Deliver-To,
 *    X-Airmail-Delivered;
 * 5. mailbox state written by the collector's mail clients: X-Keywords (0.6% / 30.9%),
 *    X-Status (0.6% / 6.5%), Status, X-UID, X-UIDL, X-SLUIDL, X-Mozilla-Status*, X-IMAP*,
 *    X-Evolution*, Lines, Content-Length;
 * 6. the Received headers the collector's own machines added (fetchmail's `by localhost with
 *    IMAP/POP3`, and hops `by` phobos/mandark.labs.netnoteinc.com, mail.netnoteinc.com,
 *    netnoteinc.com, dogma.slashnull.org, jmason.org, zzzzason.org (jmason.org anonymised),
 *    spamassassin.taint.org, phobos.labs.spamassassin.taint.org, webnote.net (the collector's
 *    MX) and sonic.spamtraps.taint.org (a spam trap)): their number depends on the route each
 *    collection took (spam-1 went through zzzzason.org, ham through jmason.org), not on the
 *    sender. The sender's own hops are kept and counted.
 * The mbox "From " envelope line (present in 91.9% of ham and 86.5% of spam) is skipped by the
 * parser. Kept on purpose, although one class has them more often: mailing-list headers
 * (List-*, X-Mailman-Version, X-BeenThere, Precedence, Sender, Errors-To, X-Loop,
 * X-Original-Date, set by list servers in 68% of ham and 12% of spam), In-Reply-To and
 * References (42% / 0%), and headers of single spam campaigns (X-Library, X-List-Admin,
 * Old-Subject ...): the sender's side wrote them, a real filter sees them too.
 *
 * **Removed from the body**: the report SpamAssassin inserts into the body of a message it
 * tags (2.x: lines `SPAM: ...` between "Start SpamAssassin results" and "End of SpamAssassin
 * results"; 2.5+: "Spam detection software, running on the system ..." up to the end of the
 * "Content analysis details:" table), also when quoted (`> SPAM: ...`); 1 spam and 8 ham (list
 * discussions quoting reports) carry one.
 *
 * **Features** (`HEADER_NUMERIC_FEATURES`, `HEADER_CATEGORICAL_FEATURES`): computed from the
 * kept headers and the MIME structure; the subject is a header feature only (its length,
 * capitals and marks), its words stay out of the body modality.
 */
import type { HeaderField, MimeContent } from './email-parse.js';
import { decodeEncodedWords, headerValue, headerValues } from './email-parse.js';

/** One rule of what the loader strips from the headers, and why. */
export interface HeaderRemovalRule {
  /** The header names it matches, as text for documentation (`*` any characters). */
  readonly headers: string;
  readonly reason: string;
  /** Whether a header (name in lower case, unfolded value) falls under the rule. */
  readonly matches: (lower: string, value: string) => boolean;
}

const COLLECTOR_HOSTS = new Set([
  'phobos.labs.netnoteinc.com',
  'mandark.labs.netnoteinc.com',
  'mail.netnoteinc.com',
  'netnoteinc.com',
  'dogma.slashnull.org',
  'jmason.org',
  'zzzzason.org',
  'spamassassin.taint.org',
  'phobos.labs.spamassassin.taint.org',
  'webnote.net',
  'sonic.spamtraps.taint.org',
]);

/** Whether a Received header was added by the corpus collector's own machines (see the file comment, rule 6). */
export function isCollectorHop(value: string): boolean {
  if (/\bby\s+localhost\s+with\s+(IMAP|POP3)\b/i.test(value) || /\(fetchmail-/i.test(value)) return true;
  const by = /\bby\s+([^\s;()]+)/i.exec(value);
  return by !== null && COLLECTOR_HOSTS.has(by[1].toLowerCase().replace(/\.$/, ''));
}

const DELIVERY = new Set(['return-path', 'delivered-to', 'x-delivered-to', 'delivery-date', 'envelope-to', 'x-envelope-to', 'x-original-to', 'x-originally-to', 'x-mdaemon-deliver-to', 'x-airmail-delivered']);
const MAILBOX = new Set(['x-keywords', 'x-status', 'status', 'x-uid', 'x-uidl', 'x-sluidl', 'lines', 'content-length']);

/** Every rule of what is stripped from the headers (see the file comment for the counts behind each). */
export const REMOVED_HEADER_RULES: readonly HeaderRemovalRule[] = [
  {
    headers: '*spam* (X-Spam-Status, X-Spam-Level, X-Spam-Flag, X-Spam-Checker-Version, X-Spam-Report, X-Spam, X-SpamAssassin-*, X-SpamCop-*, X-MailScanner-SpamCheck, ...)',
    reason: 'verdicts of spam filters on the way: the label itself',
    matches: (lower) => lower.includes('spam'),
  },
  {
    headers: '*virus*, *scann*, *mailscanner* (X-Virus-Scanned, X-Virus-Checked, X-AntiVirus, X-Scanned-By, X-Scanner, X-MailScanner, ...)',
    reason: "verdicts of the relays' virus and content scanners (X-MailScanner: 368 ham, 1 spam)",
    matches: (lower) => lower.includes('virus') || lower.includes('scann'),
  },
  {
    headers: '*razor*, *pyzor*, *dcc*, *filter* (X-Razor-Id, DCC, X-DCC-*, X-Dumb-Filters, X-VOPFilter-IP)',
    reason: 'collaborative spam detection (Razor, Pyzor, DCC) and filter annotations',
    matches: (lower) => /razor|pyzor|dcc|filter/.test(lower),
  },
  {
    headers: 'Return-Path, Delivered-To, X-Delivered-To, Delivery-Date, Envelope-To, X-Envelope-To, X-Original-To, X-Originally-To, X-MDaemon-Deliver-To, X-Airmail-Delivered',
    reason: "written at delivery by the collector's mail system, so their presence follows the collection route (Delivery-Date: 4.2% of ham, 28.0% of spam)",
    matches: (lower) => DELIVERY.has(lower),
  },
  {
    headers: 'X-Keywords, X-Status, Status, X-UID, X-UIDL, X-SLUIDL, X-Mozilla-Status*, X-IMAP*, X-Evolution*, Lines, Content-Length',
    reason: "mailbox state written by the collector's mail clients (X-Keywords: 0.6% of ham, 30.9% of spam)",
    matches: (lower) => MAILBOX.has(lower) || lower.startsWith('x-mozilla-status') || lower.startsWith('x-imap') || lower.startsWith('x-evolution'),
  },
  {
    headers: "Received (only the hops added by the collector's machines: fetchmail, netnoteinc.com, slashnull.org, jmason.org, spamassassin.taint.org, webnote.net, spamtraps)",
    reason: 'their number follows the route each collection took, not the sender',
    matches: (lower, value) => lower === 'received' && isCollectorHop(value),
  },
];

/** The removed headers, one entry per rule, for the README and reports. */
export const SPAM_ASSASSIN_REMOVED_HEADERS: readonly string[] = REMOVED_HEADER_RULES.map((r) => `${r.headers}: ${r.reason}`);

/** Whether the loader strips this header. */
export function isRemovedHeader(h: HeaderField): boolean {
  return REMOVED_HEADER_RULES.some((r) => r.matches(h.lower, h.value));
}

/** The headers without the removed ones. */
export function stripRemovedHeaders(headers: readonly HeaderField[]): HeaderField[] {
  return headers.filter((h) => !isRemovedHeader(h));
}

const QUOTE = /^[ \t]*(?:>[ \t]?)*/;
/** A line of SpamAssassin 2.x's body report, maybe quoted (the "S" is lost in one corpus message). */
const SA2_LINE = /^[ \t]*(?:>[ \t]?)*S?PAM:/;
/** What only a 2.x report line says (after its `SPAM:` prefix). */
const SA2_REPORT = /Start SpamAssassin|End of SpamAssassin|probably spam|Content analysis details|recognise or block|spamassassin\.org\/tag|\(-?\d+(\.\d+)? points?\)|hits, \d+(\.\d+)? required/;

/** An empty 2.x report line (only the prefix). */
const SA2_EMPTY = /^[ \t]*(?:>[ \t]?)*S?PAM:\s*$/;

/**
 * Removes the reports SpamAssassin inserts into tagged bodies, also quoted copies: 2.x's runs
 * of `SPAM: ...` lines from a line only a report has (its Start/End markers, "This mail is
 * probably spam", "Content analysis details", a rule with its points, an empty `SPAM:`) on; 2.5+'s block from
 * "Spam detection software, running on the system" to the blank line after its "Content
 * analysis details:" table. Other lines that happen to start with "SPAM:" stay.
 */
export function stripSpamAssassinReport(text: string): string {
  if (!text.includes('PAM:') && !/Spam detection software/i.test(text)) return text;
  const lines = text.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (SA2_LINE.test(line) && (SA2_REPORT.test(line) || SA2_EMPTY.test(line))) {
      while (i + 1 < lines.length && SA2_LINE.test(lines[i + 1])) i++;
      continue;
    }
    if (/Spam detection software, running on the system/i.test(line)) {
      // skip to the blank line after the details table (its " pts rule name" header and "----" rule)
      let details = -1;
      let table = false;
      let j = i + 1;
      for (; j < lines.length && j - i <= 60; j++) {
        const l = lines[j].replace(QUOTE, '');
        if (details < 0) {
          if (/Content analysis details:/i.test(l)) details = j;
        } else if (/^\s*pts\s+rule name/i.test(l) || /^-{3,}\s+-{3,}/.test(l.trim())) table = true;
        else if (l.trim() === '' && (table || j - details > 3)) break;
      }
      i = j;
      continue;
    }
    kept.push(line);
  }
  return kept.join('\n');
}

/** The numeric header features, in the order of the tabular modality's columns. */
export const HEADER_NUMERIC_FEATURES = [
  /** Received headers left after removing the collector's hops: the sender's side of the route. */
  'received_hops',
  /** Hour of the Date header in UTC, 0-23 (NaN if missing or unparseable). */
  'date_hour_utc',
  /** Weekday of the Date header in UTC, 0 = Sunday (NaN if missing or unparseable). */
  'date_weekday_utc',
  /** The Date header's time-zone offset in hours (NaN if missing or unparseable). */
  'date_tz_offset_hours',
  /** Addresses in To and Cc. */
  'recipients',
  /** Characters of the decoded subject (0 when missing). */
  'subject_length',
  /** Upper-case letters among the subject's letters (0 without letters). */
  'subject_upper_ratio',
  /** 1 if the subject has '!'. */
  'subject_exclaim',
  /** 1 if the subject has '$'. */
  'subject_dollar',
  /** 1 if the subject starts with "Re:" (after any "[list]" tag). */
  'subject_re',
  /** 1 if the subject starts with "Fw:" or "Fwd:" (after any "[list]" tag). */
  'subject_fwd',
  /** 1 if the subject uses RFC 2047 encoded words. */
  'subject_encoded',
  /** Header fields left after the removal. */
  'header_count',
  /** 1 if there is a Message-ID. */
  'message_id_present',
  /** 1 if the Message-ID is not `<local@domain>`. */
  'message_id_malformed',
  /** 1 if there is a Reply-To whose address differs from the From address. */
  'reply_to_differs',
  /** 1 if From has a display name besides the address. */
  'from_display_name',
  /** 1 if In-Reply-To or References is present. */
  'is_reply',
  /** 1 if X-Priority is 1 or 2, or Importance/Priority says high/urgent. */
  'priority_high',
  /** Leaf MIME parts. */
  'mime_parts',
  /** Leaf parts that are attachments. */
  'attachments',
  /** 1 if some part is text/html. */
  'has_html',
  /** Characters of the decoded body text before the length cap. */
  'body_length',
] as const;

/** The categorical header features ('' where missing). */
export const HEADER_CATEGORICAL_FEATURES = [
  /** Last label of the sender's domain, lower case (e.g. 'com', 'de'). */
  'from_tld',
  /** The sender's domain, lower case. */
  'from_domain',
  /** Top-level content type (e.g. 'text/plain', 'multipart/alternative'). */
  'content_type',
  /** Charset of the body text, lower case. */
  'charset',
  /** Mail program family: the first word of X-Mailer or User-Agent, lower case, letters only. */
  'mailer',
] as const;

export type HeaderNumericFeature = (typeof HEADER_NUMERIC_FEATURES)[number];
export type HeaderCategoricalFeature = (typeof HEADER_CATEGORICAL_FEATURES)[number];

export interface HeaderFeatures {
  readonly numeric: Readonly<Record<HeaderNumericFeature, number>>;
  readonly categorical: Readonly<Record<HeaderCategoricalFeature, string>>;
}

const MONTHS: Readonly<Record<string, number>> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
/** Offsets in minutes of the zone names mail uses (RFC 822's and a few common ones); others count as UTC, as RFC 5322 says of unknown zones. */
const ZONES: Readonly<Record<string, number>> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  bst: 60,
  ist: 60,
  cet: 60,
  cest: 120,
  met: 60,
  mest: 120,
  eet: 120,
  jst: 540,
  kst: 540,
  hkt: 480,
  sgt: 480,
  aest: 600,
};

/** A parsed Date header: the instant in ms since the epoch (UTC) and the zone offset in minutes. */
export interface MailDate {
  readonly utcMs: number;
  readonly offsetMinutes: number;
}

/**
 * Parses an RFC 2822 date (`[Day,] 21 Aug 2002 20:31:57 -0400`, seconds, comma and zone
 * optional, 2-digit years as 19xx/20xx) or an asctime one (`Thu Sep  5 23:42:38 2002`, UTC).
 * Undefined when neither matches or a field is out of range.
 */
export function parseMailDate(value: string | undefined): MailDate | undefined {
  if (value === undefined) return undefined;
  const m = /(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\s*([+-]\d{4}|[A-Za-z]{1,5})\b)?/.exec(value);
  let day: number, month: number | undefined, year: number, hour: number, minute: number, second: number;
  let offset = 0;
  if (m !== null) {
    day = Number(m[1]);
    month = MONTHS[m[2].toLowerCase()];
    year = Number(m[3]);
    if (m[3].length <= 2) year += year < 50 ? 2000 : 1900;
    else if (m[3].length === 3) year += 1900;
    hour = Number(m[4]);
    minute = Number(m[5]);
    second = m[6] === undefined ? 0 : Number(m[6]);
    const zone = m[7];
    if (zone !== undefined) {
      if (zone[0] === '+' || zone[0] === '-') {
        const sign = zone[0] === '-' ? -1 : 1;
        offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
      } else offset = ZONES[zone.toLowerCase()] ?? 0;
    }
  } else {
    const a = /\b([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\b/.exec(value);
    if (a === null) return undefined;
    month = MONTHS[a[1].toLowerCase()];
    day = Number(a[2]);
    hour = Number(a[3]);
    minute = Number(a[4]);
    second = Number(a[5]);
    year = Number(a[6]);
  }
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const utcMs = Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
  return Number.isFinite(utcMs) ? { utcMs, offsetMinutes: offset } : undefined;
}

/** The addresses (`local@domain`) of an address-list header, in order. */
export function addresses(value: string | undefined): string[] {
  if (value === undefined) return [];
  const withoutNames = value.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
  return Array.from(withoutNames.matchAll(/[^\s<>,;:"()[\]]+@[^\s<>,;:"()[\]]+/g), (x) => x[0].toLowerCase().replace(/\.+$/, ''));
}

function domainOf(address: string | undefined): string {
  if (address === undefined) return '';
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).replace(/[^a-z0-9.-]/g, '');
}

/** The subject without any leading "[list]" tags. */
function subjectCore(subject: string): string {
  return subject.replace(/^\s*(\[[^\]]*\]\s*)+/, '');
}

/** The first word of X-Mailer or User-Agent: lower case, letters only ('' if neither header is there). */
export function mailerFamily(headers: readonly HeaderField[]): string {
  const v = headerValue(headers, 'x-mailer') ?? headerValue(headers, 'user-agent');
  if (v === undefined) return '';
  const word = /[A-Za-z][A-Za-z-]*/.exec(v);
  return word === null ? '' : word[0].toLowerCase();
}

/**
 * The header features of a message: `headers` are the kept ones (after `stripRemovedHeaders`),
 * `mime` its decoded content and `bodyLength` the body text's length before any cap.
 */
export function headerFeatures(headers: readonly HeaderField[], mime: MimeContent, bodyLength: number): HeaderFeatures {
  const date = parseMailDate(headerValue(headers, 'date'));
  const when = date === undefined ? undefined : new Date(date.utcMs);
  const rawSubject = headerValue(headers, 'subject') ?? '';
  const subject = decodeEncodedWords(rawSubject).trim();
  const letters = subject.replace(/[^\p{L}]/gu, '');
  const upper = subject.replace(/[^\p{Lu}]/gu, '');
  const core = subjectCore(subject);
  const messageId = headerValue(headers, 'message-id');
  const fromHeader = headerValue(headers, 'from');
  const from = addresses(fromHeader)[0];
  const replyTo = addresses(headerValue(headers, 'reply-to'))[0];
  const fromName = fromHeader === undefined ? '' : fromHeader.replace(/<[^>]*>/g, '').replace(/[^\s"'()]+@[^\s"'()]+/g, '').replace(/["'()\s]/g, '');
  const priority = headerValue(headers, 'x-priority') ?? '';
  const importance = `${headerValue(headers, 'importance') ?? ''} ${headerValue(headers, 'priority') ?? ''} ${headerValue(headers, 'x-msmail-priority') ?? ''}`.toLowerCase();
  const domain = domainOf(from);
  const numeric: Record<HeaderNumericFeature, number> = {
    received_hops: headerValues(headers, 'received').length,
    date_hour_utc: when === undefined ? NaN : when.getUTCHours(),
    date_weekday_utc: when === undefined ? NaN : when.getUTCDay(),
    date_tz_offset_hours: date === undefined ? NaN : date.offsetMinutes / 60,
    recipients: headerValues(headers, 'to').concat(headerValues(headers, 'cc')).reduce((n, v) => n + addresses(v).length, 0),
    subject_length: subject.length,
    subject_upper_ratio: letters.length === 0 ? 0 : upper.length / letters.length,
    subject_exclaim: subject.includes('!') ? 1 : 0,
    subject_dollar: subject.includes('$') ? 1 : 0,
    subject_re: /^re\s*(\[\d+\])?\s*:/i.test(core) ? 1 : 0,
    subject_fwd: /^fwd?\s*:/i.test(core) ? 1 : 0,
    subject_encoded: /=\?[^?\s]+\?[BbQq]\?/.test(rawSubject) ? 1 : 0,
    header_count: headers.length,
    message_id_present: messageId === undefined ? 0 : 1,
    message_id_malformed: messageId === undefined ? 0 : /^<[^<>@\s]+@[^<>@\s]+>$/.test(messageId) ? 0 : 1,
    reply_to_differs: replyTo !== undefined && replyTo !== from ? 1 : 0,
    from_display_name: fromName.length > 0 ? 1 : 0,
    is_reply: headerValue(headers, 'in-reply-to') !== undefined || headerValue(headers, 'references') !== undefined ? 1 : 0,
    priority_high: /^\s*[12]\b/.test(priority) || /\b(high|urgent)\b/.test(importance) ? 1 : 0,
    mime_parts: mime.parts,
    attachments: mime.attachments,
    has_html: mime.hasHtml ? 1 : 0,
    body_length: bodyLength,
  };
  const categorical: Record<HeaderCategoricalFeature, string> = {
    from_tld: domain.includes('.') ? domain.slice(domain.lastIndexOf('.') + 1) : '',
    from_domain: domain,
    content_type: mime.contentType,
    charset: mime.charset,
    mailer: mailerFamily(headers),
  };
  return { numeric, categorical };
}
