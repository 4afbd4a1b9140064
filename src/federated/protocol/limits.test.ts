import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { DEFAULT_LIMITS, resolveLimits } from './limits.js';

describe('resolveLimits', () => {
  it('defaults to 256 MiB messages and 1 MiB headers', () => {
    assert.deepEqual(resolveLimits(), { maxMessageBytes: 268435456, maxHeaderBytes: 1048576 });
    assert.deepEqual(resolveLimits({ maxHeaderBytes: 10 }), { ...DEFAULT_LIMITS, maxHeaderBytes: 10 });
  });

  it('refuses limits that are not positive integers, naming them', () => {
    assert.throws(() => resolveLimits({ maxMessageBytes: 0 }), errorLike(ConfigError, /limits\.maxMessageBytes: must be a positive integer, got 0/));
    assert.throws(() => resolveLimits({ maxHeaderBytes: 1.5 }), errorLike(ConfigError, /limits\.maxHeaderBytes/));
  });
});
