/** Each command's own help text (`jointly <command> --help`, `jointly help <command>`); the global help is in main.ts. */

/** One line per option, written once and shared by the commands that take it. */
const OPTIONS = {
  backend: '--backend <name>              auto|tensorflow|native|wasm|cpu (default auto: the fastest that loads)',
  threads: '--threads <n>                 threads of the native backend (default: every core; env JOINTLY_THREADS)',
  epochs: '--epochs <n>                  mutual configs: override training.epochs',
  seeds: '--seeds <a,b,...>             mutual configs: override seeds (one replicate per seed)',
  rounds: '--rounds <n>                  federated configs: override rounds',
  dataDir: '--data-dir <dir>              folder of the Fashion-MNIST IDX files',
  noSaveModels: '--no-save-models              do not write trained models to the run folder',
  resume: '--resume                      continue the run in --out from its checkpoint (same config)',
  json: '--json                        print one JSON document on stdout (errors too)',
  quiet: '--quiet                       print only the result',
} as const;

function options(...keys: (keyof typeof OPTIONS)[]): string {
  return keys.map((k) => `  ${OPTIONS[k]}`).join('\n');
}

export const COMMAND_HELP: Readonly<Record<string, string>> = {
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
  --out <dir>                   the run folder (default: a new runs/demo-<timestamp>)
${options('backend', 'threads', 'epochs', 'seeds', 'noSaveModels', 'json', 'quiet')}`,

  run: `usage: jointly run <config.json|yaml> [options]

Runs the experiment a config file describes: mutual learning ("mode": "mutual") and prints the
joint-vs-alone table, multi-task learning ("mode": "multitask") and prints the multi-task vs
single-task table with Δm, multimodal learning ("mode": "multimodal") and prints the fused vs
single-modality table with the robustness table, or a federated simulation ("mode":
"federated", as jointly simulate).
A client config ("mode": "client") runs with jointly client.

options:
  --out <dir>                   the run folder itself (default: a new <output.dir>/<name>-<timestamp>,
                                output.dir defaults to runs; federated: runs/<name>-<timestamp>)
${options('backend', 'threads', 'epochs', 'seeds', 'rounds', 'resume', 'dataDir', 'noSaveModels', 'json', 'quiet')}

example:
  jointly run configs/smoke.json --out runs/smoke-1`,

  simulate: `usage: jointly simulate <config> [options]

Federated learning with the config's simulation.clients virtual clients on worker threads, then
the two baselines on the same data and budget: every client trained alone (local-only) and one
model on all the data pooled. A baseline whose loss becomes NaN is reported as diverged and does
not fail the run (exit 0, with a warning). SIGINT/SIGTERM stops after checkpointing the last
completed round (exit 130); --resume continues it.

options:
  --out <dir>                   the run folder itself (default: a new runs/<name>-<timestamp>);
                                it holds checkpoint.jly, which --resume needs
${options('rounds', 'resume', 'backend', 'threads', 'dataDir', 'json', 'quiet')}

example:
  jointly simulate configs/federated-smoke.json --out runs/fed-smoke
  jointly simulate configs/federated-smoke.json --out runs/fed-smoke --resume --rounds 6`,

  server: `usage: jointly server <config> [options]

The networked federated server: listens for jointly clients (ws://, or wss:// with a
certificate), runs config.rounds rounds, evaluates the global model on the config's data, and
checkpoints after every round. SIGINT/SIGTERM stops after checkpointing the last completed round
(exit 130); --resume continues it.

options:
  --out <dir>                   the run folder itself (default runs/<name>); holds checkpoint.jly
  --host <addr>                 address to listen on (server.host, default 127.0.0.1; 0.0.0.0: every interface)
  --port <n>                    port to listen on (server.port, default 8765; 0: any free port)
  --tokens <file>               token file of the registered clients (jointly token add)
  --tls-cert <pem>              serve wss:// with this certificate ...
  --tls-key <pem>               ... and its private key
${options('rounds', 'resume', 'backend', 'threads', 'dataDir', 'json', 'quiet')}

example:
  jointly server configs/federated-mnist.json --host 0.0.0.0 --port 8765 --tokens tokens.json \\
    --tls-cert server-cert.pem --tls-key server-key.pem --out runs/fed-1`,

  client: `usage: jointly client <client-config> [options]

One party of a networked federated run: connects to the server, trains on its own data when asked,
and sends back parameters only. Lost connections are retried with backoff (maxRetries); a
certificate the client does not trust or a ws:// vs wss:// mismatch fails at once (exit 12).
SIGINT/SIGTERM leaves the federation (exit 130); a client keeps no checkpoint, the server goes on.

options:
  --server <url>                the server's address, ws://host:port or wss://host:port (config: server)
  --id <client-id>              the id the operator registered (config: id)
  --token <token>               the client's token (better: the JOINTLY_TOKEN variable, or tokenFile)
  --ca <pem>                    certificate (or CA) to trust for wss:// (config: ca)
${options('backend', 'threads', 'dataDir', 'json', 'quiet')}

example:
  JOINTLY_TOKEN=<token> jointly client hospital-a.json --server wss://fl.example.org:8765 --ca server-cert.pem`,

  token: `usage: jointly token add|revoke|list [id] --tokens <file>

Registers a client (add prints its token once; the file keeps only its SHA-256), revokes one
(the server refuses it from its next connection, without a restart), or lists them.

options:
  --tokens <file>               the token file (created by the first add)
${options('json', 'quiet')}

example:
  jointly token add hospital-a --tokens tokens.json`,

  info: `usage: jointly info [options]

The version, the backend that loads and why, the datasets found, and every mutual-learning
method, federated strategy, partition and attack.

options:
${options('backend', 'dataDir', 'json')}`,
};
