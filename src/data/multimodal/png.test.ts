import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { DataMalformedError } from '../../errors.js';
import { crc32, decodePng } from './png.js';
import { decodePgm } from './pgm.js';
import { encodePgm, encodePng } from './testing.js';

/** Bytes that exercise every filter: a ramp plus a checker pattern. */
function samples(width: number, height: number, channels: number): Uint8Array {
  return Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + (Math.floor(i / channels) % 2) * 101) & 0xff);
}

test('crc32 matches zlib', () => {
  const bytes = Buffer.from('IHDR and some data');
  assert.equal(crc32(bytes), zlibCrc32(bytes));
});

for (const color of [0, 2, 4, 6] as const) {
  test(`decodePng: colour type ${color}, every row filter (0-4), values / 255 in [h, w, c] order`, () => {
    const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[color];
    const [width, height] = [7, 10];
    const raw = samples(width, height, channels);
    const png = encodePng(width, height, raw, { color, filters: [0, 1, 2, 3, 4] });
    const img = decodePng(png, 'test.png');
    assert.deepEqual([img.height, img.width, img.channels], [height, width, channels]);
    assert.equal(img.values.length, raw.length);
    raw.forEach((b, i) => assert.ok(Math.abs(img.values[i] - b / 255) < 1e-7, `sample ${i}`));
  });
}

test('decodePng: a 2x2 greyscale image worked out by hand', () => {
  const img = decodePng(encodePng(2, 2, Uint8Array.from([0, 255, 51, 102]), { color: 0, filters: [4] }), 'tiny.png');
  assert.deepEqual(Array.from(img.values), [0, 1, 0.2, 0.4].map((v) => Math.fround(v)));
});

test('decodePng refuses what it does not support, naming the file and the feature', () => {
  const refuse = (bytes: Uint8Array, pattern: RegExp): void => assert.throws(() => decodePng(bytes, 'x.png'), (e: unknown) => e instanceof DataMalformedError && /^x\.png: /.test(e.message) && pattern.test(e.message));
  refuse(encodePng(2, 2, new Uint8Array(4), { color: 3 }), /palette PNGs are not supported/);
  refuse(encodePng(2, 2, new Uint8Array(4), { color: 0, depth: 16 }), /bit depth 16 is not supported/);
  refuse(encodePng(2, 2, new Uint8Array(4), { color: 0, interlace: 1 }), /interlaced/);
  refuse(Buffer.from('GIF89a...'), /not a PNG file/);
  const good = encodePng(3, 3, samples(3, 3, 1), { color: 0 });
  const corrupt = Buffer.from(good);
  corrupt[40] ^= 0xff;
  refuse(corrupt, /CRC/);
  refuse(good.subarray(0, good.length - 10), /truncated|past the end/);
  const badFilter = encodePng(2, 2, new Uint8Array(4), { color: 0, filters: [7] });
  refuse(badFilter, /filter type 7/);
});

test('decodePgm: P5 (8 and 16 bits) and P2 with comments, values / maxval', () => {
  const p5 = decodePgm(encodePgm(3, 2, [0, 51, 255, 102, 204, 153]), 'a.pgm');
  assert.deepEqual([p5.height, p5.width, p5.channels], [2, 3, 1]);
  assert.deepEqual(Array.from(p5.values), [0, 0.2, 1, 0.4, 0.8, 0.6].map((v) => Math.fround(v)));
  const wide = decodePgm(encodePgm(2, 1, [0, 1000], { maxval: 1000 }), 'b.pgm');
  assert.deepEqual(Array.from(wide.values), [0, 1]);
  const p2 = decodePgm(encodePgm(2, 2, [0, 5, 10, 15], { plain: true, maxval: 15 }), 'c.pgm');
  assert.deepEqual(Array.from(p2.values), [0, 1 / 3, 2 / 3, 1].map((v) => Math.fround(v)));
  assert.throws(() => decodePgm(Buffer.from('P6\n1 1\n255\nabc'), 'd.ppm'), /P6 is not supported/);
  assert.throws(() => decodePgm(encodePgm(4, 4, new Array(16).fill(1)).subarray(0, 20), 'e.pgm'), /truncated/);
});
