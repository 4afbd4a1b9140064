import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMime, splitMessage, type HeaderField } from './email-parse.js';
import {
  HEADER_CATEGORICAL_FEATURES,
  HEADER_NUMERIC_FEATURES,
  SPAM_ASSASSIN_REMOVED_HEADERS,
  addresses,
  headerFeatures,
  isCollectorHop,
  isRemovedHeader,
  mailerFamily,
  parseMailDate,
  stripRemovedHeaders,
  stripSpamAssassinReport,
} from './email-header-features.js';

const field = (name: string, value = 'x'): HeaderField => ({ name, lower: name.toLowerCase(), value });

test('parseMailDate: RFC 2822 dates to UTC with their zone, asctime dates as UTC, garbage undefined', () => {
  const d = parseMailDate('Thu, 22 Aug 2002 10:16:36 -0400');
  assert.equal(d?.utcMs, Date.UTC(2002, 7, 22, 14, 16, 36));
  assert.equal(d?.offsetMinutes, -240);
  assert.equal(parseMailDate('22 Aug 02 23:30 +0130')?.utcMs, Date.UTC(2002, 7, 22, 22, 0, 0));
  assert.equal(parseMailDate('Mon, 2 Sep 2002 17:01:09 PDT')?.utcMs, Date.UTC(2002, 8, 3, 0, 1, 9));
  assert.equal(parseMailDate('Thu Sep  5 23:42:38 2002')?.utcMs, Date.UTC(2002, 8, 5, 23, 42, 38));
  assert.equal(parseMailDate('sometime soon'), undefined);
  assert.equal(parseMailDate('32 Foo 2002 10:00:00'), undefined);
  assert.equal(parseMailDate(undefined), undefined);
});

test('the X-Spam family, scanners, Razor/DCC, delivery and mailbox headers are removed; sender headers stay', () => {
  for (const name of ['X-Spam-Status', 'X-Spam-Level', 'X-Spam-Flag', 'X-Spam-Checker-Version', 'X-Spam', 'X-SpamAssassin-Report', 'X-MailScanner-SpamCheck', 'X-Virus-Scanned', 'X-MailScanner', 'X-Scanned-By', 'X-Razor-Id', 'X-Pyzor', 'X-DCC-Wanadoo-Be-Metrics', 'DCC', 'X-Keywords', 'X-Status', 'Status', 'Delivery-Date', 'Delivered-To', 'Return-Path', 'X-UIDL', 'X-Mozilla-Status2']) {
    assert.ok(isRemovedHeader(field(name)), `${name} should be removed`);
  }
  for (const name of ['From', 'To', 'Subject', 'Date', 'Message-ID', 'X-Mailer', 'List-Id', 'Precedence', 'X-Loop', 'In-Reply-To', 'Content-Type']) {
    assert.ok(!isRemovedHeader(field(name)), `${name} should be kept`);
  }
  assert.ok(SPAM_ASSASSIN_REMOVED_HEADERS.length >= 6);
  assert.ok(SPAM_ASSASSIN_REMOVED_HEADERS.some((r) => r.includes('X-Spam-Status')));
});

test("only the collector's Received hops are removed", () => {
  assert.ok(isCollectorHop('from mail.webnote.net [193.120.211.219] by localhost with POP3 (fetchmail-5.9.0) for zzzz@localhost (single-drop)'));
  assert.ok(isCollectorHop('from localhost (localhost [127.0.0.1]) by phobos.labs.netnoteinc.com (Postfix) with ESMTP id D03E543C36'));
  assert.ok(isCollectorHop('from dd_it7 ([210.97.77.167]) by webnote.net (8.9.3/8.9.3) with ESMTP id NAA04623'));
  assert.ok(!isCollectorHop('from mail-gr-oh.networksonline.com ([65.163.204.6]) by usw-sf-list1.sourceforge.net with esmtp'));
  assert.ok(!isCollectorHop('from localhost (sendmail-bs@127.0.0.1) by localhost with SMTP; 22 Aug 2002'));
  assert.ok(!isRemovedHeader(field('Received', 'from a.example.com by b.example.com')));
});

test('stripSpamAssassinReport removes 2.x and 2.5 reports, quoted or not, and keeps other text', () => {
  const v2 = [
    'BAD MSG:',
    '',
    'SPAM: -------------------- Start SpamAssassin results ----------------------',
    'SPAM: This mail is probably spam.  The original message has been altered',
    'SPAM: ',
    'SPAM: Content analysis details:   (9.9 hits, 5 required)',
    'SPAM: SUPERLONG_LINE     (0.4 points)  BODY: Contains a line >=199 characters long',
    'SPAM: -------------------- End of SpamAssassin results ---------------------',
    'Buy now',
  ].join('\n');
  assert.equal(stripSpamAssassinReport(v2), 'BAD MSG:\n\nBuy now');
  const quoted = ['> SPAM: RAZOR_CHECK (7.0 points) Listed in Razor, see', '> SPAM:', 'my reply', 'SPAM: CATS - Seattle Times'].join('\n');
  assert.equal(stripSpamAssassinReport(quoted), 'my reply\nSPAM: CATS - Seattle Times');
  const v25 = [
    'Hello',
    'Spam detection software, running on the system "host", has',
    'identified this incoming email as possible spam.',
    '',
    'Content analysis details:   (6.1 points, 5.0 required)',
    '',
    ' pts rule name              description',
    '---- ---------------------- --------------------------------------------------',
    ' 2.5 URIBL_BLACK            Contains an URL listed in the URIBL blacklist',
    '',
    'Real text',
  ].join('\n');
  assert.equal(stripSpamAssassinReport(v25), 'Hello\nReal text');
  assert.equal(stripSpamAssassinReport('nothing to see'), 'nothing to see');
});

test('addresses and mailerFamily', () => {
  assert.deepEqual(addresses('"Doe, Jane" <Jane@X.org>, bob@y.com (Bob, B)'), ['jane@x.org', 'bob@y.com']);
  assert.deepEqual(addresses(undefined), []);
  assert.equal(mailerFamily([field('User-Agent', 'Mutt/1.4i')]), 'mutt');
  assert.equal(mailerFamily([field('X-Mailer', 'Microsoft Outlook Express 6.00'), field('User-Agent', 'Mutt')]), 'microsoft');
  assert.equal(mailerFamily([]), '');
});

test('headerFeatures on a hand-written message, worked out by hand', () => {
  const raw = [
    'From: "Jane Doe" <Jane@Mail.Example.CO.UK>',
    'To: a@x.com, "B, Bee" <b@y.org>',
    'Cc: c@z.net',
    'Reply-To: other@example.com',
    'Subject: [list] RE: FREE $$$ now!',
    'Date: Thu, 22 Aug 2002 10:16:36 -0400',
    'Message-ID: no-angle-brackets@host',
    'X-Mailer: Microsoft Outlook Express 6.00',
    'X-Priority: 1',
    'In-Reply-To: <x@y>',
    'Received: from sender.example.com by relay.example.com; Thu, 22 Aug 2002 10:16:40 -0400',
    'Received: from mail.webnote.net [193.120.211.219]',
    '\tby localhost with POP3 (fetchmail-5.9.0)',
    'X-Spam-Status: No, hits=0.1',
    'Delivered-To: zzzz@localhost',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Hello there',
  ].join('\n');
  const { headers, body } = splitMessage(raw);
  const kept = stripRemovedHeaders(headers);
  assert.equal(kept.length, 12); // 15 fields, minus X-Spam-Status, Delivered-To and the fetchmail hop
  const mime = parseMime(headers, body);
  const f = headerFeatures(kept, mime, mime.text.length);
  assert.deepEqual(Object.keys(f.numeric), [...HEADER_NUMERIC_FEATURES]);
  assert.deepEqual(Object.keys(f.categorical), [...HEADER_CATEGORICAL_FEATURES]);
  assert.deepEqual(f.numeric, {
    received_hops: 1,
    date_hour_utc: 14,
    date_weekday_utc: 4, // 22 Aug 2002 was a Thursday
    date_tz_offset_hours: -4,
    recipients: 3,
    subject_length: 24,
    subject_upper_ratio: 6 / 13, // R E F R E E of l i s t R E F R E E n o w
    subject_exclaim: 1,
    subject_dollar: 1,
    subject_re: 1,
    subject_fwd: 0,
    subject_encoded: 0,
    header_count: 12,
    message_id_present: 1,
    message_id_malformed: 1,
    reply_to_differs: 1,
    from_display_name: 1,
    is_reply: 1,
    priority_high: 1,
    mime_parts: 1,
    attachments: 0,
    has_html: 0,
    body_length: 11,
  });
  assert.deepEqual(f.categorical, { from_tld: 'uk', from_domain: 'mail.example.co.uk', content_type: 'text/plain', charset: 'us-ascii', mailer: 'microsoft' });
});

test('headerFeatures: a missing Date gives NaN date features, an empty header block zeros', () => {
  const mime = parseMime([], '');
  const f = headerFeatures([], mime, 0);
  assert.ok(Number.isNaN(f.numeric.date_hour_utc) && Number.isNaN(f.numeric.date_weekday_utc) && Number.isNaN(f.numeric.date_tz_offset_hours));
  assert.equal(f.numeric.header_count, 0);
  assert.equal(f.numeric.message_id_present, 0);
  assert.equal(f.categorical.from_domain, '');
});
