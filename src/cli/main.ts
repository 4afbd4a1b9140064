#!/usr/bin/env node
/** The `jointly` command line. */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES } from '../engine/backend.js';
import { MAX_SEED } from '../engine/random.js';
import { messageOf, UsageError } from '../errors.js';
import { demoCommand } from './commands/demo.js';
import { infoCommand, packageVersion } from './commands/info.js';
import { runCommand, type RunOverrides } from './commands/run.js';
import { Output } from './output.js';

const HELP = `jointly: joint learning for TypeScript (mutual, multi-task, multimodal, federated)

usage:
  jointly demo [options]            mutual learning on MNIST with noisy labels: joint vs alone
  jointly run <config.json|yaml>    run an experiment from a config file
  jointly info                      version, backend, datasets and methods

options:
  --backend <name>                      auto|tensorflow|native|wasm|cpu (default auto: the fastest that loads)
  --threads <n>                         threads of the native backend (default: every core; env JOINTLY_THREADS)
  --epochs <n>                          override training.epochs
  --seeds <a,b,...>                     override seeds
  --out <dir>                           parent folder of run folders (default runs)
  --data-dir <dir>                      folder of the Fashion-MNIST IDX files
  --no-save-models                      do not write trained models to the run folder
  --json                                print one JSON document on stdout
  --quiet                               print only the result table
  -h, --help                            this help
  -v, --version                         the version

exit codes: 0 ok, 1 internal error, 2 bad usage or config, 3 data missing or malformed,
            4 shape mismatch, 5 loss became NaN, 6 backend unavailable, 7 output not writable`;

function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

function parseSeeds(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const seeds = parts.map(Number);
  // Number('') is 0: an empty entry must not become seed 0.
  if (parts.some((s) => s === '') || seeds.some((s) => !Number.isInteger(s) || s < 0 || s > MAX_SEED)) {
    throw new UsageError(`--seeds must be a comma-separated list of integers from 0 to ${MAX_SEED}, got '${value}'`, 'e.g. --seeds 0,1,2');
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds repeats a seed: '${value}'`, 'each seed is one replicate; list each once');
  return seeds;
}

function parseBackend(value: string | undefined): string | undefined {
  if (value !== undefined && !(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${value}'`);
  }
  return value;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = new Output({ json, quiet: argv.includes('--quiet') });
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({
          args: argv,
          allowPositionals: true,
          options: {
            backend: { type: 'string' },
            threads: { type: 'string' },
            epochs: { type: 'string' },
            seeds: { type: 'string' },
            out: { type: 'string' },
            'data-dir': { type: 'string' },
            'no-save-models': { type: 'boolean' },
            json: { type: 'boolean' },
            quiet: { type: 'boolean' },
            help: { type: 'boolean', short: 'h' },
            version: { type: 'boolean', short: 'v' },
          },
        });
      } catch (err) {
        throw new UsageError(messageOf(err), 'see jointly --help');
      }
    })();
    if (values.version === true) {
      out.result(packageVersion(), { version: packageVersion() });
      return 0;
    }
    const [command, ...rest] = positionals;
    if (values.help === true || command === undefined || command === 'help') {
      process.stdout.write(`${HELP}\n`);
      return command === undefined && values.help !== true ? 2 : 0;
    }
    // Read by the native backend when it loads (in selectBackend, after this).
    if (values.threads !== undefined) process.env.JOINTLY_THREADS = String(parsePositiveInt(values.threads, '--threads'));
    const overrides: RunOverrides = {
      backend: parseBackend(values.backend),
      epochs: values.epochs === undefined ? undefined : parsePositiveInt(values.epochs, '--epochs'),
      seeds: values.seeds === undefined ? undefined : parseSeeds(values.seeds),
      out: values.out,
      dataDir: values['data-dir'],
      saveModels: values['no-save-models'] === true ? false : undefined,
    };
    switch (command) {
      case 'demo':
        return await demoCommand(overrides, out);
      case 'run':
        return await runCommand(rest, overrides, out);
      case 'info':
        return await infoCommand({ backend: parseBackend(values.backend), dataDir: values['data-dir'] }, out);
      default:
        throw new UsageError(`unknown command '${command}'`, 'use one of: demo, run, info (see jointly --help)');
    }
  } catch (err) {
    return out.error(err);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`jointly: fatal: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
