/**
 * `npm run bench`: every part of the benchmark in one run, with the flags given reaching each
 * part (run-all-options.ts says which flag reaches which part):
 *
 *   npm run bench -- [--only throughput,per-loss,federated-scale,aggregation] [--seconds N] [--repeats N] [--threads 1,2] ...
 *
 * Parts: throughput (jointly vs PyTorch, interleaved, with the MLP's sgemm limit; throughput.ts),
 * per-loss (jointly vs PyTorch on the per-loss gradient path, interleaved by round; per-loss-step.ts),
 * federated-scale (federated-scale.ts), each run as a child process
 * (its thread count is read when the native addon loads), then aggregation, in this process
 * (src/bench/aggregation.ts's `measureAggregation`; skipped with a message when it is not built).
 * Each part prints its own tables on stdout and progress on stderr and writes its JSON; this runner
 * then writes bench-results/bench.json (every part's status, time and results) and prints a
 * closing summary with the jointly/PyTorch ratios and the sgemm limit.
 *
 * Exit status: 0 when every part ran or was skipped with a reason, 1 when a part failed, 2 on
 * bad usage (unknown flags included).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../errors.js';
import { alignTable } from '../report/text-table.js';
import { formatDuration } from './interleave.js';
import { aggregationOptions, parseRunAllOptions, partCommand, PARTS, runAllUsage, type PartName, type RunAllOptions } from './run-all-options.js';
import { formatComparisons, formatLimits, type ThroughputDocument } from './throughput-report.js';

/** How a part ended. */
type PartOutcome =
  | { status: 'ok'; results: unknown }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string; results: unknown };

/** A part's entry in bench.json. */
interface PartRecord {
  part: PartName;
  status: PartOutcome['status'];
  seconds: number;
  /** The command it ran as (child parts). */
  command?: string;
  reason?: string;
  /** The part's own JSON document (or measureAggregation's return value), when there is one. */
  results?: unknown;
}

/** One progress line on stderr. */
function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A JSON file's content, or undefined when it is missing or unreadable. */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Runs a child part with inherited stdout/stderr; its JSON file is its results. */
function runChildPart(part: Exclude<PartName, 'aggregation'>, o: RunAllOptions): PartOutcome & { command: string } {
  const cmd = partCommand(part, o);
  const script = fileURLToPath(new URL(`./${cmd.script}`, import.meta.url));
  const envText = Object.entries(cmd.env).map(([k, v]) => `${k}=${v} `).join('');
  const command = `${envText}node dist/bench/${cmd.script} ${cmd.args.join(' ')}`.trim();
  progress(`  ${command}`);
  const before = readJson(resolve(cmd.results));
  const r = spawnSync(process.execPath, [script, ...cmd.args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...cmd.env } });
  const after = readJson(resolve(cmd.results));
  // A file left over from an earlier run is not this run's result.
  const results = after !== undefined && JSON.stringify(after) !== JSON.stringify(before) ? after : undefined;
  if (r.error !== undefined) return { status: 'failed', reason: r.error.message, results, command };
  if (r.status !== 0) return { status: 'failed', reason: `exit status ${r.status ?? r.signal}`, results, command };
  return { status: 'ok', results, command };
}

/**
 * The aggregation part (src/bench/aggregation.ts), in this process: FedAvg's weighted mean, the
 * update sum, the median, trimmed mean and Krum distances in GB/s, with the machine's memory
 * bandwidth measured on the spot. Writes <out>/aggregation.json and prints its table.
 */
async function runAggregationPart(o: RunAllOptions): Promise<PartOutcome> {
  // The addon reads JOINTLY_THREADS when it loads, which may be on this first import.
  if (o.threads !== undefined) process.env.JOINTLY_THREADS = String(Math.max(...o.threads));
  try {
    const { aggregationTable, measureAggregation } = await import('./aggregation.js');
    const options = aggregationOptions(o);
    const result = measureAggregation(options.seconds === undefined ? {} : { seconds: options.seconds });
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'aggregation.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(aggregationTable(result));
    return { status: 'ok', results: result };
  } catch (err) {
    return { status: 'failed', reason: messageOf(err), results: undefined };
  }
}

/** The closing summary: the parts, then the throughput part's ratios and sgemm limit. */
function formatSummary(records: readonly PartRecord[], benchJson: string): string {
  const lines = [
    '',
    '═══ npm run bench: summary ═══',
    alignTable([['part', 'status', 'time'], ...records.map((r) => [r.part, r.status, formatDuration(r.seconds)])], { rightAlignFrom: 2, rule: true }),
    ...records.flatMap((r) => (r.reason === undefined ? [] : [`${r.part} ${r.status}: ${r.reason}`])),
  ];
  const throughput = records.find((r) => r.part === 'throughput')?.results as ThroughputDocument | undefined;
  if (throughput?.summary !== undefined) {
    lines.push('', `jointly vs PyTorch (medians of ${throughput.settings.repeats} interleaved repetition(s), ~${throughput.settings.seconds} s each):`, formatComparisons(throughput.summary.comparisons));
    if (throughput.summary.limits.length > 0) lines.push('', 'sgemm limit of the MLP step:', formatLimits(throughput.summary.limits));
  }
  lines.push('', `all results: ${benchJson}`);
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  let o: RunAllOptions | null;
  try {
    o = parseRunAllOptions(argv);
  } catch (err) {
    const hint = err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? ` (${err.hint})` : '';
    process.stderr.write(`${messageOf(err)}${hint}\n\n${runAllUsage()}\n`);
    return 2;
  }
  if (o === null) {
    process.stdout.write(`${runAllUsage()}\n`);
    return 0;
  }
  mkdirSync(resolve(o.out), { recursive: true });
  const started = new Date();
  const records: PartRecord[] = [];
  const parts = PARTS.filter((p) => o.parts.includes(p));
  for (const [i, part] of parts.entries()) {
    progress(`[part ${i + 1}/${parts.length}] ${part}: starting (its own progress lines follow)`);
    process.stdout.write(`${i === 0 ? '' : '\n'}═══ part ${i + 1}/${parts.length}: ${part} ═══\n`);
    const t0 = performance.now();
    let outcome: PartOutcome & { command?: string };
    try {
      outcome = part === 'aggregation' ? await runAggregationPart(o) : runChildPart(part, o);
    } catch (err) {
      outcome = { status: 'failed', reason: messageOf(err), results: undefined };
    }
    const seconds = (performance.now() - t0) / 1000;
    const record: PartRecord = { part, status: outcome.status, seconds };
    if (outcome.command !== undefined) record.command = outcome.command;
    if (outcome.status !== 'ok') record.reason = outcome.reason;
    if (outcome.status !== 'skipped' && outcome.results !== undefined) record.results = outcome.results;
    records.push(record);
    progress(`[part ${i + 1}/${parts.length}] ${part}: ${outcome.status} after ${formatDuration(seconds)}${outcome.status === 'ok' ? '' : ` (${outcome.reason})`}`);
  }
  const cpus = os.cpus();
  const benchJson = resolve(o.out, 'bench.json');
  const doc = {
    date: started.toISOString(),
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    loadAverageEnd: os.loadavg(),
    options: o,
    parts: records,
  };
  writeFileSync(benchJson, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(formatSummary(records, benchJson));
  return records.some((r) => r.status === 'failed') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
