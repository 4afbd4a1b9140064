/** The `jointly` command line: `main(argv)` runs one command and resolves to its exit code. Importing this file runs nothing (bin.ts does). */
import { BACKEND_NAMES } from '../engine/backend.js';
import { MAX_SEED } from '../engine/random.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../report/did-you-mean.js';
import { demoCommand } from './commands/demo.js';
import { evaluateCommand } from './commands/evaluate.js';
import { predictCommand } from './commands/predict.js';
import { infoCommand, packageVersion } from './commands/info.js';
import { clientCommand } from './commands/client.js';
import { applyOverrides, runCommand, type RunOverrides } from './commands/run.js';
import { serverCommand } from './commands/server.js';
import { simulateCommand } from './commands/simulate.js';
import { simulateHealthcareCommand } from './commands/simulate-healthcare.js';
import { tokenCommand } from './commands/token.js';
import { keyCommand } from './commands/key.js';
import { checkCommandMode, readConfigFile, validateConfigOf } from './config-file.js';
import { checkFlags, COMMANDS, isCommand, parseCommandLine, type FlagName } from './flags.js';
import { COMMAND_HELP, GLOBAL_HELP } from './help.js';
import type { FederatedConfig } from '../federated/config.js';
import { Output } from './output.js';

/** `unknown command 'x'`, with "did you mean" when a command is close. */
function unknownCommand(name: string): UsageError {
  const suggestion = didYouMean(name, COMMANDS);
  return new UsageError(`unknown command '${name}'${suggestion === '' ? '' : `; ${suggestion}`}`, `use one of: ${COMMANDS.join(', ')} (see jointly --help)`);
}

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
    const { command, rest: lenientRest, help, version } = checkFlags(argv);
    if (version) {
      out.result(packageVersion(), { version: packageVersion() });
      return 0;
    }
    const helpFor = command === 'help' ? lenientRest[0] : help ? command : undefined;
    if (isCommand(helpFor)) {
      process.stdout.write(`${COMMAND_HELP[helpFor]}\n`);
      return 0;
    }
    if (help || command === undefined || command === 'help') {
      if (command === 'help' && helpFor !== undefined) throw unknownCommand(helpFor);
      process.stdout.write(`${GLOBAL_HELP}\n`);
      return command === undefined && !help ? 2 : 0;
    }
    if (!isCommand(command)) throw unknownCommand(command);
    const { values: flags, rest } = parseCommandLine(argv, command);
    const str = (name: FlagName): string | undefined => (typeof flags[name] === 'string' ? flags[name] : undefined);
    const values = {
      backend: str('backend'),
      threads: str('threads'),
      epochs: str('epochs'),
      seeds: str('seeds'),
      out: str('out'),
      'data-dir': str('data-dir'),
      'no-save-models': flags['no-save-models'] === true,
      'label-column': str('label-column'),
      top: str('top'),
      rounds: str('rounds'),
      resume: flags.resume === true,
      host: str('host'),
      port: str('port'),
      tokens: str('tokens'),
      'tls-cert': str('tls-cert'),
      'tls-key': str('tls-key'),
      server: str('server'),
      id: str('id'),
      token: str('token'),
      ca: str('ca'),
      'client-ca': str('client-ca'),
      key: str('key'),
      'with-token': flags['with-token'] === true,
    };
    // Read by the native backend when it loads (in selectBackend, after this).
    if (values.threads !== undefined) process.env.JOINTLY_THREADS = String(parsePositiveInt(values.threads, '--threads'));
    const overrides: RunOverrides = {
      backend: parseBackend(values.backend),
      epochs: values.epochs === undefined ? undefined : parsePositiveInt(values.epochs, '--epochs'),
      seeds: values.seeds === undefined ? undefined : parseSeeds(values.seeds),
      out: values.out,
      dataDir: values['data-dir'],
      saveModels: values['no-save-models'] ? false : undefined,
      rounds: values.rounds === undefined ? undefined : parsePositiveInt(values.rounds, '--rounds'),
      resume: values.resume,
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
      if (values['client-ca'] !== undefined) server.clientCa = values['client-ca'];
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
        if (values.key !== undefined) raw.keyFile = values.key;
        if (values['tls-cert'] !== undefined) raw.tlsCert = values['tls-cert'];
        if (values['tls-key'] !== undefined) raw.tlsKey = values['tls-key'];
        if (overrides.backend !== undefined) raw.backend = overrides.backend;
        if (values['data-dir'] !== undefined) raw.data = { ...((raw.data as Record<string, unknown> | undefined) ?? {}), dataDir: values['data-dir'] };
        return await clientCommand(validateConfigOf(raw, path, ['client']), { token: values.token }, out);
      }
      case 'token':
        return await tokenCommand(rest, values.tokens, out, { ...(values.key === undefined ? {} : { key: values.key }), withToken: values['with-token'] });
      case 'key':
        return await keyCommand(rest, values.out, out);
      case 'evaluate':
        return await evaluateCommand(rest, { labelColumn: values['label-column'], dataDir: values['data-dir'], backend: parseBackend(values.backend) }, out);
      case 'predict':
        return await predictCommand(rest, { labelColumn: values['label-column'], out: values.out, backend: parseBackend(values.backend), top: values.top === undefined ? undefined : parsePositiveInt(values.top, '--top') }, out);
      case 'info':
        return await infoCommand({ backend: parseBackend(values.backend), dataDir: values['data-dir'] }, out);
    }
  } catch (err) {
    return out.error(err);
  }
}
