/** The `jointly` command line: `main(argv)` runs one command and resolves to its exit code. Importing this file runs nothing (bin.ts does). */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES } from '../engine/backend.js';
import { MAX_SEED } from '../engine/random.js';
import { messageOf, UsageError } from '../errors.js';
import { demoCommand } from './commands/demo.js';
import { EVALUATE_HELP, evaluateCommand } from './commands/evaluate.js';
import { infoCommand, packageVersion } from './commands/info.js';
import { clientCommand } from './commands/client.js';
import { applyOverrides, runCommand, type RunOverrides } from './commands/run.js';
import { serverCommand } from './commands/server.js';
import { simulateCommand } from './commands/simulate.js';
import { simulateHealthcareCommand } from './commands/simulate-healthcare.js';
import { tokenCommand } from './commands/token.js';
import { checkCommandMode, readConfigFile, validateConfigOf } from './config-file.js';
import { COMMAND_HELP } from './help.js';
import type { FederatedConfig } from '../federated/config.js';
import { Output } from './output.js';

const HELP = `jointly: joint learning for TypeScript (mutual, multi-task, multimodal, federated)

usage:
  jointly demo [options]              mutual learning on MNIST with noisy labels: joint vs alone
  jointly demo multitask [options]    multi-task learning on MultiFashion: multi-task vs single-task
  jointly demo multimodal [options]   multimodal learning on two-view noisy Fashion-MNIST: fused vs alone
  jointly run <config.json|yaml>      run an experiment from a config file (mutual, multitask,
                                      multimodal or federated)
  jointly simulate <config>           federated learning with N virtual clients on worker threads
  jointly server <config>             federated server: clients connect over ws:// or wss://
  jointly client <client-config>      federated client: trains on its own data for a server
  jointly token add|revoke|list [id]  register or revoke a client (--tokens <file>)
  jointly evaluate <model> <data>     score a saved model on a .csv/.jsonl file, mnist or fashion-mnist
  jointly info                        version, backend, datasets and methods

options:
  --backend <name>                      auto|tensorflow|native|wasm|cpu (default auto: the fastest that loads)
  --threads <n>                         threads of the native backend (default: every core; env JOINTLY_THREADS)
  --epochs <n>                          override training.epochs
  --seeds <a,b,...>                     override seeds
  --out <dir>                           the run folder itself (default: a new runs/<name>-<timestamp>;
                                        server: runs/<name>)
  --data-dir <dir>                      folder of the Fashion-MNIST IDX files
  --no-save-models                      do not write trained models to the run folder
  --label-column <name|index>           evaluate: the CSV label column (default: the last)

federated options:
  --rounds <n>                          override rounds
  --resume                              continue the run in --out from its last checkpoint
  --host <addr> --port <n>              where the server listens (default 127.0.0.1:8765; port 0: any free)
  --tokens <file>                       token file of the registered clients (server, token)
  --tls-cert <pem> --tls-key <pem>      serve wss:// with this certificate
  --server <url>                        server address for the client (ws:// or wss://)
  --id <client-id>                      the client's id
  --token <token>                       the client's token (better: the JOINTLY_TOKEN variable)
  --ca <pem>                            certificate the client trusts for wss://
  --json                                print one JSON document on stdout
  --quiet                               print only the result table
  -h, --help                            this help; jointly <command> --help: that command's own
  -v, --version                         the version

exit codes: 0 ok, 1 internal error, 2 bad usage or config, 3 data missing or malformed,
            4 shape mismatch, 5 loss became NaN, 6 backend unavailable, 7 output not writable,
            8 round refused, 9 protocol error, 10 client refused (auth), 11 bad checkpoint,
            12 network error, 130 stopped by a signal (server and simulate checkpoint first)`;

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

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${value}'`);
  return n;
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
            'label-column': { type: 'string' },
            rounds: { type: 'string' },
            resume: { type: 'boolean' },
            host: { type: 'string' },
            port: { type: 'string' },
            tokens: { type: 'string' },
            'tls-cert': { type: 'string' },
            'tls-key': { type: 'string' },
            server: { type: 'string' },
            id: { type: 'string' },
            token: { type: 'string' },
            ca: { type: 'string' },
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
    const helpFor = command === 'help' ? rest[0] : values.help === true ? command : undefined;
    const commandHelp = helpFor === undefined ? undefined : ({ ...COMMAND_HELP, evaluate: EVALUATE_HELP } as Record<string, string | undefined>)[helpFor];
    if (commandHelp !== undefined) {
      process.stdout.write(`${commandHelp}\n`);
      return 0;
    }
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
      rounds: values.rounds === undefined ? undefined : parsePositiveInt(values.rounds, '--rounds'),
      resume: values.resume === true,
    };
    const federatedConfig = (): FederatedConfig => {
      const path = rest[0];
      if (path === undefined) throw new UsageError(`jointly ${command} needs a config file`, 'e.g. configs/federated-mnist.json');
      const raw = readConfigFile(path) as Record<string, unknown>;
      // Before the overrides add a server section: a mutual config must not be told about a field it never had.
      checkCommandMode(raw, path, command, ['federated']);
      const server: Record<string, unknown> = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
      if (values.host !== undefined) server.host = values.host;
      if (values.port !== undefined) server.port = parsePort(values.port);
      if (values.tokens !== undefined) server.tokens = values.tokens;
      if (values['tls-cert'] !== undefined) server.tlsCert = values['tls-cert'];
      if (values['tls-key'] !== undefined) server.tlsKey = values['tls-key'];
      const cfg = applyOverrides({ ...raw, server }, overrides, path);
      if (cfg.mode !== 'federated') throw new UsageError(`${path} is a ${cfg.mode} config; jointly ${command} needs mode "federated"`);
      return cfg;
    };
    switch (command) {
      case 'demo':
        return await demoCommand(overrides, out, rest[0]);
      case 'run':
        return await runCommand(rest, overrides, out);
      case 'simulate': {
        const path = rest[0];
        const raw = path === undefined ? undefined : (readConfigFile(path) as { mode?: unknown });
        if (raw?.mode === 'federated-healthcare') return await simulateHealthcareCommand(raw, { ...(values.out === undefined ? {} : { out: values.out }) }, out);
        return await simulateCommand(federatedConfig(), { out: values.out, resume: overrides.resume === true }, out);
      }
      case 'server':
        return await serverCommand(federatedConfig(), { out: values.out, resume: overrides.resume === true }, out);
      case 'client': {
        const path = rest[0];
        if (path === undefined) throw new UsageError('jointly client needs a client config file', 'e.g. configs/federated-client.json');
        const raw = { ...(readConfigFile(path) as Record<string, unknown>) };
        checkCommandMode(raw, path, 'client', ['client']);
        if (values.server !== undefined) raw.server = values.server;
        if (values.id !== undefined) raw.id = values.id;
        if (values.ca !== undefined) raw.ca = values.ca;
        if (overrides.backend !== undefined) raw.backend = overrides.backend;
        if (values['data-dir'] !== undefined) raw.data = { ...((raw.data as Record<string, unknown> | undefined) ?? {}), dataDir: values['data-dir'] };
        return await clientCommand(validateConfigOf(raw, path, ['client']), { token: values.token }, out);
      }
      case 'token':
        return await tokenCommand(rest, values.tokens, out);
      case 'evaluate':
        return await evaluateCommand(rest, { labelColumn: values['label-column'], dataDir: values['data-dir'], backend: parseBackend(values.backend) }, out);
      case 'info':
        return await infoCommand({ backend: parseBackend(values.backend), dataDir: values['data-dir'] }, out);
      default:
        throw new UsageError(`unknown command '${command}'`, 'use one of: demo, run, simulate, server, client, token, evaluate, info (see jointly --help)');
    }
  } catch (err) {
    return out.error(err);
  }
}
