import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatorEnv } from './pytorch.js';

test("tuned fixes glibc's mmap and trim thresholds at 1 GiB, so freed blocks stay in the process", () => {
  assert.deepEqual(allocatorEnv('tuned', {}), { MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824' });
});

test("the user's own MALLOC_* settings win over tuned", () => {
  const env = allocatorEnv('tuned', { MALLOC_TRIM_THRESHOLD_: '0' });

  assert.equal(env.MALLOC_TRIM_THRESHOLD_, '0');
  assert.equal(env.MALLOC_MMAP_THRESHOLD_, '1073741824');
});

test('default adds nothing: PyTorch runs with glibc as a plain run would', () => {
  assert.deepEqual(allocatorEnv('default', { MALLOC_TRIM_THRESHOLD_: '5' }), {});
});
