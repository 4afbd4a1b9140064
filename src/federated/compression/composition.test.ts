import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { compressionConflicts } from './composition.js';
import { CODEC_NAMES } from './format.js';

test('every codec is refused with secure aggregation, naming the reason and the knob', () => {
  for (const codec of CODEC_NAMES) {
    for (const privacy of ['none', 'server', 'clients'] as const) {
      const reason = compressionConflicts(codec, { secureAggregation: true, privacy });
      assert.ok(reason !== undefined, `${codec} with SecAgg and ${privacy}`);
      assert.match(reason, new RegExp(`compression '${codec}' cannot be combined with secure aggregation`));
      assert.match(reason, /masks are dense/);
      assert.match(reason, /fraction bits/);
    }
  }
});

test('every codec composes with DP (client or server noise) and with no privacy', () => {
  for (const codec of CODEC_NAMES) {
    for (const privacy of ['none', 'server', 'clients'] as const) {
      assert.equal(compressionConflicts(codec, { secureAggregation: false, privacy }), undefined, `${codec} with ${privacy}`);
    }
  }
});

test('an unknown codec is an unknown name', () => {
  assert.throws(() => compressionConflicts('top-k', { secureAggregation: false, privacy: 'none' }), errorLike(UnknownNameError, /did you mean 'topk'/));
});
