/**
 * The one table of the CLI's flags: for each flag its type, the commands that take it and its
 * help line. parseArgs' options, the check that a command gets only its own flags (with "did
 * you mean" for misspelt ones) and the option lines of every help text all come from it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { messageOf, UsageError } from '../errors.js';
import { closestNames, didYouMean } from '../report/did-you-mean.js';
import { DEFAULT_TOP } from './commands/predict.js';

/** Every command, in the order of the global help. */
export const COMMANDS = ['demo', 'run', 'simulate', 'server', 'client', 'token', 'key', 'evaluate', 'predict', 'info'] as const;
/** A command's name. */
export type CommandName = (typeof COMMANDS)[number];

/** One flag of the table. */
export interface FlagSpec {
  /** `string`: the flag takes a value (`--epochs 3` or `--epochs=3`); `boolean`: a switch. */
  type: 'string' | 'boolean';
  /** One-letter alias (`-h`). Default none. */
  short?: string;
  /** The commands that take the flag; `all`: every command, and none (`jointly --help`). */
  commands: readonly CommandName[] | 'all';
  /** Placeholder of the value in help lines, e.g. `<n>` (string flags). */
  value?: string;
  /** Help line: what the flag does and its default; `\n` starts a continuation line. */
  help: string;
  /** A command's own placeholder and help line, where the flag means something more specific there. */
  per?: Partial<Record<CommandName, { value?: string; help: string }>>;
}

const BACKENDS = 'auto|tensorflow|native|wasm|cpu (default auto: the fastest that loads)';

/** The table: every flag of every command. */
export const FLAGS = {
  out: {
    type: 'string',
    commands: ['demo', 'run', 'simulate', 'server', 'predict', 'key'],
    value: '<dir>',
    help: 'the run folder itself (default: a new runs/<name>-<timestamp>)',
    per: {
      demo: { help: 'the run folder (default: a new runs/demo-<timestamp>)' },
      run: { help: 'the run folder itself (default: a new <output.dir>/<name>-<timestamp>,\noutput.dir defaults to runs; federated: runs/<name>-<timestamp>)' },
      simulate: { help: 'the run folder itself (default: a new runs/<name>-<timestamp>);\nit holds checkpoint.jly, which --resume needs' },
      server: { help: 'the run folder itself (default runs/<name>); holds checkpoint.jly' },
      predict: { value: '<file>', help: 'write every row: CSV (line, predicted, p_<class> for each class,\nlabel when present), or JSON Lines when <file> ends in .jsonl' },
      key: { value: '<file>', help: 'the private key file to write (mode 0600); the public key goes to <file>.pub' },
    },
  },
  backend: { type: 'string', commands: ['demo', 'run', 'simulate', 'server', 'client', 'evaluate', 'predict', 'info'], value: '<name>', help: BACKENDS },
  threads: { type: 'string', commands: ['demo', 'run', 'simulate', 'server', 'client'], value: '<n>', help: 'threads of the native backend (default: every core; env JOINTLY_THREADS)' },
  epochs: { type: 'string', commands: ['demo', 'run'], value: '<n>', help: 'mutual, multitask and multimodal configs: override training.epochs' },
  seeds: { type: 'string', commands: ['demo', 'run'], value: '<a,b,...>', help: 'override seeds (one replicate per seed; not for federated configs)' },
  rounds: { type: 'string', commands: ['simulate', 'server', 'run'], value: '<n>', help: 'federated configs: override rounds' },
  resume: { type: 'boolean', commands: ['simulate', 'server', 'run'], help: 'continue the run in --out from its checkpoint (same config)' },
  'data-dir': { type: 'string', commands: ['demo', 'run', 'simulate', 'server', 'client', 'evaluate', 'info'], value: '<dir>', help: 'folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)' },
  'no-save-models': { type: 'boolean', commands: ['demo', 'run'], help: 'do not write trained models to the run folder' },
  'label-column': {
    type: 'string',
    commands: ['evaluate', 'predict'],
    value: '<name|index>',
    help: 'CSV label column, by header name or 0-based index (default: the last column)',
    per: { predict: { help: 'CSV label column, when the file has one (default: found by the\nmodel\'s schema; a file with only the feature columns has none)' } },
  },
  top: { type: 'string', commands: ['predict'], value: '<k>', help: `classes in the top-k column (default ${DEFAULT_TOP})` },
  host: { type: 'string', commands: ['server'], value: '<addr>', help: 'address to listen on (server.host, default 127.0.0.1; 0.0.0.0: every interface)' },
  port: { type: 'string', commands: ['server'], value: '<n>', help: 'port to listen on (server.port, default 8765; 0: any free port)' },
  tokens: { type: 'string', commands: ['server', 'token'], value: '<file>', help: 'token file of the registered clients (jointly token add)', per: { token: { help: 'the token file (created by the first add)' } } },
  'tls-cert': {
    type: 'string',
    commands: ['server', 'client'],
    value: '<pem>',
    help: 'serve wss:// with this certificate ...',
    per: { client: { help: 'this client\'s TLS certificate, for a server with mutual TLS (config: tlsCert) ...' } },
  },
  'tls-key': { type: 'string', commands: ['server', 'client'], value: '<pem>', help: '... and its private key', per: { client: { help: '... and its private key (config: tlsKey)' } } },
  'client-ca': { type: 'string', commands: ['server'], value: '<pem>', help: 'mutual TLS: accept only clients with a certificate from this CA (server.clientCa)' },
  key: {
    type: 'string',
    commands: ['token', 'client'],
    value: '<file>',
    help: 'key file',
    per: {
      token: { value: '<file.pub>', help: 'add: register the client by this Ed25519 public key (jointly key generate)\ninstead of issuing a token' },
      client: { help: 'this client\'s Ed25519 private key, to sign the server\'s challenge (config: keyFile)' },
    },
  },
  'with-token': { type: 'boolean', commands: ['token'], help: 'add --key: issue a token as well; the client then needs both' },
  server: { type: 'string', commands: ['client'], value: '<url>', help: 'the server\'s address, ws://host:port or wss://host:port (config: server)' },
  id: { type: 'string', commands: ['client'], value: '<client-id>', help: 'the id the operator registered (config: id)' },
  token: { type: 'string', commands: ['client'], value: '<token>', help: 'the client\'s token (better: the JOINTLY_TOKEN variable, or tokenFile)' },
  ca: { type: 'string', commands: ['client'], value: '<pem>', help: 'certificate (or CA) to trust for wss:// (config: ca)' },
  json: { type: 'boolean', commands: 'all', help: 'print one JSON document on stdout (errors too)' },
  quiet: { type: 'boolean', commands: 'all', help: 'print only the result' },
  help: { type: 'boolean', short: 'h', commands: 'all', help: 'this help; jointly <command> --help: that command\'s own' },
  version: { type: 'boolean', short: 'v', commands: 'all', help: 'the version' },
} as const satisfies Record<string, FlagSpec>;

/** A flag's name (without `--`). */
export type FlagName = keyof typeof FLAGS;
const FLAG_NAMES = Object.keys(FLAGS) as FlagName[];
const spec = (name: FlagName): FlagSpec => FLAGS[name];

/** Whether `command` takes flag `name`. */
export function takesFlag(command: CommandName, name: FlagName): boolean {
  const commands = spec(name).commands;
  return commands === 'all' || commands.includes(command);
}

/** The flags `command` takes, in table order; without a command, every flag. */
export function flagsOf(command?: CommandName): FlagName[] {
  return command === undefined ? [...FLAG_NAMES] : FLAG_NAMES.filter((f) => takesFlag(command, f));
}

/** parseArgs' `options` for the flags of `command` (every flag without one). */
export function parseArgsOptions(command?: CommandName): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const name of flagsOf(command)) {
    const s = spec(name);
    options[name] = s.short === undefined ? { type: s.type } : { type: s.type, short: s.short };
  }
  return options;
}

/** Whether `name` is a command. */
export function isCommand(name: string | undefined): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name ?? '');
}

/** The flag as typed in help: `-h, --help`, `--epochs <n>`. */
function flagText(name: FlagName, command?: CommandName): string {
  const s = spec(name);
  const value = (command === undefined ? undefined : s.per?.[command]?.value) ?? s.value;
  return `${s.short === undefined ? '' : `-${s.short}, `}--${name}${value === undefined ? '' : ` ${value}`}`;
}

/** The help lines of `flags`, as `command` describes them (column `width` for the flag). */
export function flagHelpLines(flags: readonly FlagName[], command?: CommandName, width = 30): string {
  return flags
    .map((name) => {
      const s = spec(name);
      const text = (command === undefined ? undefined : s.per?.[command]?.help) ?? s.help;
      const left = flagText(name, command);
      const [first, ...more] = text.split('\n');
      const head = left.length < width ? `  ${left.padEnd(width)}${first}` : `  ${left}\n  ${' '.repeat(width)}${first}`;
      return [head, ...more.map((l) => `  ${' '.repeat(width)}${l}`)].join('\n');
    })
    .join('\n');
}

/** The option lines of `command`'s help: its own flags (without --help and --version, said once in the usage). */
export function commandOptionLines(command: CommandName): string {
  return flagHelpLines(flagsOf(command).filter((f) => f !== 'help' && f !== 'version'), command);
}

/** The option lines of the global help: every flag with the commands that take it. */
export function globalOptionLines(): string {
  return FLAG_NAMES.map((name) => {
    const s = spec(name);
    const commands = s.commands === 'all' ? '' : ` (${s.commands.join(', ')})`;
    return flagHelpLines([name], undefined, 30).replace(/\n|$/, (m) => `${commands}${m}`);
  }).join('\n');
}

/** The commands that take flag `name`, as a phrase: `simulate, server, run`. */
function commandsOf(name: FlagName): string {
  const commands = spec(name).commands;
  return commands === 'all' ? 'every command' : commands.join(', ');
}

/**
 * Parses the command line leniently (every flag of the table known) to find the command and
 * the positionals, and refuses flags that do not exist ("did you mean", among the command's
 * flags first) or that exist for other commands only (naming those). `command` is the first
 * positional; it is checked by the caller (only flags are checked here, against it when it is a command).
 */
export function checkFlags(argv: readonly string[]): { command: string | undefined; rest: string[]; help: boolean; version: boolean } {
  const { tokens, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: false, tokens: true, options: parseArgsOptions() });
  const command = positionals[0];
  const known = isCommand(command) ? command : undefined;
  let help = false;
  let version = false;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (!(FLAG_NAMES as readonly string[]).includes(token.name)) {
      const own = known === undefined ? [] : flagsOf(known);
      const suggestion = didYouMean(token.name, own, (f) => `--${f}`) || didYouMean(token.name, FLAG_NAMES, (f) => `--${f}`);
      const where = known === undefined ? 'jointly' : `jointly ${known}`;
      throw new UsageError(
        `unknown option ${token.rawName} for ${where}${suggestion === '' ? '' : `; ${suggestion}`}`,
        known === undefined ? 'see jointly --help' : `jointly ${known} --help lists its options`,
      );
    }
    const name = token.name as FlagName;
    if (name === 'help') help = true;
    if (name === 'version') version = true;
    if (known !== undefined && !takesFlag(known, name)) {
      const close = closestNames(name, flagsOf(known)).filter((f) => f !== name);
      throw new UsageError(
        `--${name} is not an option of jointly ${known} (it is for ${commandsOf(name)})`,
        `jointly ${known} --help lists its options${close.length === 0 ? '' : `; did you mean ${close.map((f) => `--${f}`).join(' or ')}?`}`,
      );
    }
  }
  return { command, rest: positionals.slice(1), help, version };
}

/** The values of the flags of `command` (strict: every value has the right type), and its positionals after the command. */
export function parseCommandLine(argv: readonly string[], command: CommandName): { values: Partial<Record<FlagName, string | boolean>>; rest: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: parseArgsOptions(command) });
    return { values: values as Partial<Record<FlagName, string | boolean>>, rest: positionals.slice(1) };
  } catch (err) {
    throw new UsageError(messageOf(err), `jointly ${command} --help lists its options`);
  }
}
