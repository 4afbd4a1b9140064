/** The addon's loader: thread settings, OpenBLAS core detection, and what it reports about itself. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configuredGemm, configuredThreads, missingAddonFunction, openblasCoreType } from './addon.js';
import { registerNativeBackend } from './register.js';
import { NATIVE_SKIP } from './testing.js';

describe('native addon loader', () => {
  test('JOINTLY_THREADS sets the thread count; unset or invalid means every core', () => {
    assert.equal(configuredThreads({ JOINTLY_THREADS: '1' }), 1);
    assert.equal(configuredThreads({ JOINTLY_THREADS: '3' }), 3);
    const all = configuredThreads({});
    assert.ok(all >= 1);
    assert.equal(configuredThreads({ JOINTLY_THREADS: '0' }), all);
    assert.equal(configuredThreads({ JOINTLY_THREADS: 'two' }), all);
  });

  test('JOINTLY_GEMM picks the sgemm library: oneDNN by default, an unknown name is a reason naming the choices', () => {
    assert.deepEqual(configuredGemm({}), { gemm: 'onednn' });
    assert.deepEqual(configuredGemm({ JOINTLY_GEMM: '' }), { gemm: 'onednn' });
    assert.deepEqual(configuredGemm({ JOINTLY_GEMM: 'openblas' }), { gemm: 'openblas' });
    assert.deepEqual(configuredGemm({ JOINTLY_GEMM: 'onednn' }), { gemm: 'onednn' });
    const bad = configuredGemm({ JOINTLY_GEMM: 'mkl' });
    assert.ok('reason' in bad);
    assert.equal(bad.reason, "JOINTLY_GEMM is 'mkl'");
    assert.ok('fix' in bad);
    assert.equal(bad.fix, 'set JOINTLY_GEMM to onednn or openblas, or unset it');
  });

  test('the OpenBLAS core type follows the CPU flags', () => {
    assert.equal(openblasCoreType('flags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n'), 'SkylakeX');
    assert.equal(openblasCoreType('flags\t\t: fpu sse2 avx avx2 fma\n'), 'Haswell');
    assert.equal(openblasCoreType('flags\t\t: fpu sse2\n'), undefined);
    assert.equal(openblasCoreType('processor: 0\n'), undefined);
  });

  test('an addon built from older sources is found out by the function it lacks; the built one lacks none', { skip: NATIVE_SKIP }, () => {
    const loaded = registerNativeBackend();
    assert.ok('addon' in loaded);
    assert.equal(missingAddonFunction(loaded.addon), undefined);
    const older: Record<string, unknown> = { ...loaded.addon };
    delete older.softmaxCrossEntropyGrad;
    assert.equal(missingAddonFunction(older), 'softmaxCrossEntropyGrad');
    assert.equal(missingAddonFunction({}), 'setThreads');
  });

  test('the loaded addon reports oneDNN, OpenBLAS and its threads', { skip: NATIVE_SKIP }, () => {
    const loaded = registerNativeBackend();
    assert.ok('addon' in loaded);
    const info = loaded.addon.buildInfo();
    assert.match(info.onednn, /^\d+\.\d+\.\d+$/);
    assert.match(info.openblas, /OpenBLAS/);
    assert.equal(info.threads, configuredThreads());
    assert.notEqual(info.openblasCore.toLowerCase(), 'prescott', 'OpenBLAS must not run its generic kernels on a recent CPU');
  });
});
