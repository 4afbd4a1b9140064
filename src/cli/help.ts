/**
 * Each command's own help text (`jointly <command> --help`, `jointly help <command>`) and the
 * global help. The option lines come from the flag table (flags.ts), so a help lists exactly the
 * flags its command takes.
 */
import { EVALUATE_HELP } from './commands/evaluate.js';
import { PREDICT_HELP } from './commands/predict.js';
import { commandOptionLines, globalOptionLines, type CommandName } from './flags.js';


/** The help text of each command (`jointly <command> --help`). */
export const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  demo: `usage: jointly demo [mutual|multitask|multimodal] [options]

mutual (the default): deep mutual learning of two MLPs on the built-in MNIST digits with 40% of
the training labels wrong, against the same two MLPs trained alone (configs/demo.json; about two
minutes on 2 cores).
multitask: one LeNet trunk with two heads learns both tasks of MultiFashion, against one LeNet
per task (configs/demo-multitask.json; about two minutes on 2 cores).
multimodal: two-view noisy Fashion-MNIST; each view's MLP alone, the ensemble of the two, and
fused models (concat, late-mean, gmu), with each view removed at test time
(configs/demo-multimodal.json; about two minutes on 2 cores).

options:
${commandOptionLines('demo')}

example:
  jointly demo multitask --epochs 1 --out runs/demo-quick`,

  run: `usage: jointly run <config.json|yaml> [options]

Runs the experiment a config file describes: mutual learning ("mode": "mutual") and prints the
joint-vs-alone table, multi-task learning ("mode": "multitask") and prints the multi-task vs
single-task table with Δm, multimodal learning ("mode": "multimodal") and prints the fused vs
single-modality table with the robustness table, or a federated simulation ("mode":
"federated", as jointly simulate).
A client config ("mode": "client") runs with jointly client.

options:
${commandOptionLines('run')}

example:
  jointly run configs/smoke.json --out runs/smoke-1`,

  simulate: `usage: jointly simulate <config> [options]

Federated learning with the config's simulation.clients virtual clients on worker threads, then
the two baselines on the same data and budget: every client trained alone (local-only) and one
model on all the data pooled. A baseline whose loss becomes NaN is reported as diverged and does
not fail the run (exit 0, with a warning). SIGINT/SIGTERM stops after checkpointing the last
completed round (exit 130); --resume continues it.

options:
${commandOptionLines('simulate')}

example:
  jointly simulate configs/federated-smoke.json --out runs/fed-smoke
  jointly simulate configs/federated-smoke.json --out runs/fed-smoke --resume --rounds 6`,

  server: `usage: jointly server <config> [options]

The networked federated server: listens for jointly clients (ws://, or wss:// with a
certificate), runs config.rounds rounds, evaluates the global model on the config's data, and
checkpoints after every round. SIGINT/SIGTERM stops after checkpointing the last completed round
(exit 130); --resume continues it.

options:
${commandOptionLines('server')}

example:
  jointly server configs/federated-mnist.json --host 0.0.0.0 --port 8765 --tokens tokens.json \\
    --tls-cert server-cert.pem --tls-key server-key.pem --out runs/fed-1`,

  client: `usage: jointly client <client-config> [options]

One party of a networked federated run: connects to the server, trains on its own data when asked,
and sends back parameters only. Lost connections are retried with backoff (maxRetries); a
certificate the client does not trust or a ws:// vs wss:// mismatch fails at once (exit 12).
SIGINT/SIGTERM leaves the federation (exit 130); a client keeps no checkpoint, the server goes on.

options:
${commandOptionLines('client')}

example:
  JOINTLY_TOKEN=<token> jointly client hospital-a.json --server wss://fl.example.org:8765 --ca server-cert.pem`,

  token: `usage: jointly token add|revoke|list [id] --tokens <file> [--key <file.pub> [--with-token]]

Registers a client (add prints its token once; the file keeps only its SHA-256), revokes one
(the server refuses it from its next connection, without a restart), or lists them. With --key,
add registers the client's Ed25519 public key (from jointly key generate) instead of a token:
the client proves it holds the private key by signing the server's challenge at every join.

options:
${commandOptionLines('token')}

example:
  jointly token add hospital-a --tokens tokens.json
  jointly token add hospital-b --key hospital-b.key.pub --tokens tokens.json`,

  key: `usage: jointly key generate --out <file>

Makes a client's Ed25519 key pair: the private key in <file> (PKCS#8 PEM, mode 0600; it never
leaves the client's machine) and the public key in <file>.pub (printed too). The server's
operator registers the .pub file (jointly token add <id> with its key option); the client joins
with keyFile in its client config (or jointly client's key option), with no token.

options:
${commandOptionLines('key')}

example:
  jointly key generate --out hospital-b.key`,

  info: `usage: jointly info [options]

The version, the backend that loads and why, the datasets found, and every mutual-learning
method, federated strategy, partition and attack.

options:
${commandOptionLines('info')}

example:
  jointly info --json`,
  evaluate: withOwnOptions(EVALUATE_HELP, 'evaluate'),
  predict: withOwnOptions(PREDICT_HELP, 'predict'),
};

/**
 * A help text written next to its command (evaluate.ts, predict.ts) with its options section
 * replaced by the table's lines, so that it lists exactly the flags the command takes.
 */
function withOwnOptions(text: string, command: CommandName): string {
  const start = text.indexOf('\noptions:\n');
  if (start === -1) return `${text}\n\noptions:\n${commandOptionLines(command)}`;
  const end = text.indexOf('\n\n', start + 1);
  return `${text.slice(0, start)}\noptions:\n${commandOptionLines(command)}${end === -1 ? '' : text.slice(end)}`;
}

/** `jointly --help`: the commands, every flag with the commands that take it, and the exit codes. */
export const GLOBAL_HELP = `jointly: joint learning for TypeScript (mutual, multi-task, multimodal, federated)

usage:
  jointly demo [options]              mutual learning on MNIST with noisy labels: joint vs alone
  jointly demo multitask [options]    multi-task learning on MultiFashion: multi-task vs single-task
  jointly demo multimodal [options]   multimodal learning on two-view noisy Fashion-MNIST: fused vs alone
  jointly run <config.json|yaml>      run an experiment from a config file (mutual, multitask,
                                      multimodal or federated)
  jointly simulate <config>           federated learning with N virtual clients on worker threads
  jointly server <config>             federated server: clients connect over ws:// or wss://
  jointly client <client-config>      federated client: trains on its own data for a server
  jointly token add|revoke|list [id]  register or revoke a client (--tokens <file>, --key <file.pub>)
  jointly key generate --out <file>   make a client's Ed25519 key pair (for token add --key)
  jointly evaluate <model> <data>     score a saved model on a .csv/.jsonl file, mnist or fashion-mnist
  jointly predict <model> <data>      predict classes and probabilities with a saved model
  jointly info                        version, backend, datasets and methods

jointly <command> --help prints that command's own help: its options, defaults and an example.

options (in parentheses: the commands that take it; the others take every command):
${globalOptionLines()}

exit codes: 0 ok, 1 internal error, 2 bad usage or config, 3 data missing or malformed,
            4 shape mismatch, 5 loss became NaN, 6 backend unavailable, 7 output not writable,
            8 round refused, 9 protocol error, 10 client refused (auth), 11 bad checkpoint,
            12 network error, 130 stopped by a signal (server and simulate checkpoint first)`;
