/**
 * Text that came from a peer (a client id, a field name, a reason, an error message), made safe
 * to log: quoted, with control characters, quotes and backslashes escaped as in JSON (so a peer
 * cannot start a new log line or forge one), and cut to `max` characters with the number left
 * off. Pure and browser-safe: the client logs what the server sends through it too.
 */

/** Longest peer text kept in a log line, in characters. */
export const PEER_TEXT_MAX = 200;

/** `value` (any type; non-strings are converted with String) quoted, escaped and truncated. */
export function peerText(value: unknown, max = PEER_TEXT_MAX): string {
  const s = typeof value === 'string' ? value : String(value);
  const cut = s.length > max ? s.slice(0, max) : s;
  // JSON.stringify escapes ", \ and U+0000-U+001F; U+007F-U+009F and the line/paragraph
  // separators (which some viewers break lines on) are escaped here too.
  const quoted = JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `${quoted}…(${s.length - max} more characters)` : quoted;
}

/** `text` with control characters escaped and cut to `max` characters, unquoted: for a message that mixes our words with peer text already inside. */
export function safeLine(text: string, max = 4 * PEER_TEXT_MAX): string {
  const cut = text.length > max ? `${text.slice(0, max)}…(${text.length - max} more characters)` : text;
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
