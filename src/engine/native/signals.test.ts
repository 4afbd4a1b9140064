/**
 * Signals during native calls: oneDNN 2.6's generated sgemm kernels point the stack pointer into
 * the heap while they run, so a signal handled then corrupts the heap (see DeferSignals in
 * native/common.h). Each case starts a real process that multiplies on oneDNN while signals arrive:
 * a profiler's SIGPROF on the calling thread, and a process-directed SIGUSR2 that any thread,
 * OpenMP's included, could take. Before the fix both died within a fraction of a second.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_SKIP } from './testing.js';

/**
 * A program that multiplies [m, 784] × [784, 256] on oneDNN for `ms` milliseconds, checks every
 * product against the value it must hold, counts the SIGUSR2 it handles, and prints
 * `ok <products> <signals>`. With `untilStdinEnds` it then keeps its handler until its standard
 * input ends, so that signals still on their way do not end it.
 */
function multiplier(m: number, ms: number, untilStdinEnds = false): string {
  const addonUrl = new URL('./addon.js', import.meta.url).href;
  return `
import { loadNativeAddon } from ${JSON.stringify(addonUrl)};
const loaded = loadNativeAddon();
if (!('addon' in loaded)) throw new Error(loaded.reason);
const addon = loaded.addon;
addon.setGemm('onednn');
let signals = 0;
process.on('SIGUSR2', () => { signals++; });
console.log('ready');
const m = ${m}, k = 784, n = 256;
const x = new Float32Array(m * k).fill(0.5), w = new Float32Array(k * n).fill(0.25), y = new Float32Array(m * n);
const until = performance.now() + ${ms};
let products = 0;
while (performance.now() < until) {
  addon.matMul(x, w, y, 1, m, n, k, false, false, 0, 0, null, 0, 0);
  products++;
  if (y[0] !== 98 || y[m * n - 1] !== 98) throw new Error('wrong product: ' + y[0]);
  // JS allocations between the calls, so that a corrupted heap shows itself in malloc's checks.
  const garbage = [];
  for (let i = 0; i < 20; i++) garbage.push(new Float32Array(64 + i));
  await new Promise((resolve) => setImmediate(resolve));
}
console.log('ok', products, signals);
${untilStdinEnds ? "process.stdin.resume(); process.stdin.on('end', () => process.exit(0));" : ''}
`;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the program with node's `flags` and `env`. `whileRunning` gets the child's pid once it has
 * printed `ready` and returns how to stop; it is stopped once the child has printed `ok`, and then
 * the child's standard input is closed.
 */
function run(program: string, flags: string[], env: NodeJS.ProcessEnv, whileRunning?: (pid: number) => () => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', program], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stop: (() => void) | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stop === undefined && whileRunning !== undefined && stdout.includes('ready\n')) stop = whileRunning(child.pid ?? -1);
      if (/^ok /m.test(stdout)) {
        stop?.();
        child.stdin.end();
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      stop?.();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function explain(exit: Exit): string {
  return `exit ${exit.code ?? exit.signal}; stdout: ${exit.stdout.trim()}; stderr: ${exit.stderr.trim().slice(-400)}`;
}

describe('native calls under signals', { skip: NATIVE_SKIP }, () => {
  test('a CPU profile (SIGPROF every 100 us) of oneDNN products leaves the heap intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jointly-prof-'));
    try {
      const exit = await run(multiplier(128, 1500), ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100'], { JOINTLY_THREADS: '1' });
      assert.equal(exit.code, 0, explain(exit));
      assert.match(exit.stdout, /^ok [1-9]\d* 0$/m, explain(exit));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bursts of SIGUSR2 sent to the process while it multiplies on two threads are handled and leave the heap intact', async () => {
    let sent = 0;
    const exit = await run(multiplier(512, 1500, true), [], { JOINTLY_THREADS: '2' }, (pid) => {
      // Bursts of signals from the moment its handler is installed until it exits.
      const timer = setInterval(() => {
        try {
          for (let i = 0; i < 20; i++) {
            process.kill(pid, 'SIGUSR2');
            sent++;
          }
        } catch {
          // The child has exited.
        }
      }, 1);
      timer.unref();
      return () => clearInterval(timer);
    });
    assert.equal(exit.code, 0, explain(exit));
    const match = /^ok (\d+) (\d+)$/m.exec(exit.stdout);
    assert.ok(match !== null, explain(exit));
    assert.ok(Number(match[1]) > 0, 'the program multiplied');
    // Signals of one kind coalesce while held back, so fewer arrive than were sent; but they arrive.
    assert.ok(sent > 0 && Number(match[2]) > 0, `handled ${match[2]} of ${sent} SIGUSR2 sent`);
  });
});
