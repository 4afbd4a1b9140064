/**
 * The flag table: every command's help lists exactly the flags it takes (all from the one
 * table), and the command line is refused, with "did you mean", for a misspelt flag or a flag
 * of another command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.js';
import { checkFlags, COMMANDS, FLAGS, flagsOf, parseCommandLine, parseArgsOptions, takesFlag, type FlagName } from './flags.js';
import { COMMAND_HELP, GLOBAL_HELP } from './help.js';

/** The `--flags` a help text names. */
function flagsNamedIn(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]));
}

function usageError(pattern: RegExp, hint?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, pattern);
    if (hint !== undefined) assert.match(err.hint ?? '', hint);
    return true;
  };
}

test('every command has its own help: usage, an example, and exactly the flags it takes', () => {
  for (const command of COMMANDS) {
    const help = COMMAND_HELP[command];

    const named = flagsNamedIn(help);

    assert.match(help, new RegExp(`^usage: jointly ${command}`), command);
    assert.match(help, /\nexample:\n {2}(\S+=\S+ )?jointly /, `${command} has an example`);
    for (const flag of named) assert.ok(takesFlag(command, flag as FlagName), `${command}'s help names --${flag}, which it does not take`);
    for (const flag of flagsOf(command)) {
      if (flag === 'help' || flag === 'version') continue;
      assert.ok(named.has(flag), `${command} takes --${flag} but its help does not list it`);
    }
  }
});

test('the global help lists every command and every flag with the commands that take it', () => {
  for (const command of COMMANDS) assert.match(GLOBAL_HELP, new RegExp(`\\n {2}jointly ${command}\\b`), command);
  for (const flag of Object.keys(FLAGS)) assert.ok(GLOBAL_HELP.includes(`--${flag}`), flag);
  assert.match(GLOBAL_HELP, /--rounds <n> +federated configs: override rounds \(simulate, server, run\)/);
  assert.match(GLOBAL_HELP, /--backend <name> +auto\|tensorflow\|native\|wasm\|cpu/);
});

test('parseArgs options come from the same table: each command parses its own flags only', () => {
  const token = parseArgsOptions('token');
  const all = parseArgsOptions();

  assert.deepEqual(Object.keys(token).sort(), ['help', 'json', 'key', 'quiet', 'tokens', 'version', 'with-token']);
  assert.equal(Object.keys(all).length, Object.keys(FLAGS).length);
  assert.deepEqual(all.help, { type: 'boolean', short: 'h' });
});

test('checkFlags finds the command and its positionals, and accepts its own flags', () => {
  const parsed = checkFlags(['run', 'configs/smoke.json', '--epochs', '2', '--out=runs/x', '--quiet']);

  assert.deepEqual(parsed, { command: 'run', rest: ['configs/smoke.json'], help: false, version: false });
  const line = parseCommandLine(['run', 'configs/smoke.json', '--epochs', '2', '--out=runs/x'], 'run');
  assert.deepEqual({ values: { ...line.values }, rest: line.rest }, { values: { epochs: '2', out: 'runs/x' }, rest: ['configs/smoke.json'] });
  assert.equal(checkFlags(['simulate', '-h']).help, true);
});

test('a misspelt flag: did you mean, among the command\'s own flags first', () => {
  assert.throws(() => checkFlags(['run', 'x.json', '--epoch', '3']), usageError(/^unknown option --epoch for jointly run; did you mean --epochs\?$/, /jointly run --help lists its options/));
  assert.throws(() => checkFlags(['server', 'x.json', '--prot', '1']), usageError(/did you mean --port\?/));
  assert.throws(() => checkFlags(['predict', 'm', 'd.csv', '--label-colum', 'y']), usageError(/did you mean --label-column\?/));
  assert.throws(() => checkFlags(['info', '--frobnicate']), usageError(/^unknown option --frobnicate for jointly info$/));
  assert.throws(() => checkFlags(['info', '-x']), usageError(/^unknown option -x for jointly info$/));
});

test('a flag of another command names the commands that take it', () => {
  assert.throws(() => checkFlags(['token', 'list', '--rounds', '3']), usageError(/^--rounds is not an option of jointly token \(it is for simulate, server, run\)$/, /jointly token --help lists its options/));
  assert.throws(() => checkFlags(['info', '--epochs', '1']), usageError(/--epochs is not an option of jointly info \(it is for demo, run\)/));
  assert.throws(() => checkFlags(['evaluate', 'm', 'd.csv', '--top', '2']), usageError(/--top is not an option of jointly evaluate \(it is for predict\)/));
});

test('a value of the wrong kind is a UsageError naming the flag', () => {
  assert.throws(() => parseCommandLine(['run', 'x.json', '--epochs'], 'run'), usageError(/--epochs/, /jointly run --help/));
  assert.throws(() => parseCommandLine(['run', 'x.json', '--resume=yes'], 'run'), usageError(/--resume/));
});
