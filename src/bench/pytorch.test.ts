import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatorEnv, openblasCoreTypeEnv, torchEnv } from './pytorch.js';

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

test("PyTorch's environment: the allocator's settings and both thread pools pinned, over the given environment", () => {
  const env = torchEnv(2, 'tuned', { PATH: '/usr/bin', OMP_NUM_THREADS: '8', OPENBLAS_NUM_THREADS: '8' });

  assert.deepEqual(env, { PATH: '/usr/bin', MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824', OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' });
  assert.deepEqual(torchEnv(1, 'default', {}), { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' });
});

test("OPENBLAS_CORETYPE from the CPU's flags when it is not set; the user's value wins; nothing when it cannot be told", () => {
  const avx2 = () => 'processor : 0\nflags : fpu sse avx2 fma\n';

  assert.deepEqual(openblasCoreTypeEnv({}, avx2), { OPENBLAS_CORETYPE: 'Haswell' });
  assert.deepEqual(openblasCoreTypeEnv({ OPENBLAS_CORETYPE: 'Zen' }, avx2), {});
  assert.deepEqual(openblasCoreTypeEnv({}, () => 'flags : fpu sse\n'), {});
  assert.deepEqual(
    openblasCoreTypeEnv({}, () => {
      throw new Error('ENOENT');
    }),
    {},
  );
});
