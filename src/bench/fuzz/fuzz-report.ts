/** The results of `npm run fuzz:server`: the JSON document it writes and its Markdown summary. Pure. */
import { alignTable } from '../../report/text-table.js';
import type { FuzzStats, FuzzViolation } from './fuzzers.js';
import { MUTATION_KINDS } from './mutate.js';
import type { Violation } from './oracle.js';
import type { SoakLoadStats } from './soak-load.js';

/** How a server process ended. */
export interface ServerExit {
  code: number | null;
  signal: string | null;
  /** Seconds from SIGTERM to exit. */
  shutdownSeconds: number;
  /** It had to be killed with SIGKILL. */
  killed: boolean;
}

/** Liveness probes: fresh honest hellos that must be welcomed. */
export interface ProbeStats {
  ok: number;
  failed: number;
  maxMs: number;
  /** Outcomes of failed probes, e.g. `timeout`, `refuse:auth`. */
  failures: Record<string, number>;
}

export interface FuzzPhaseReport {
  seconds: number;
  /** Server settings changed from their defaults for this phase, and why. */
  serverOverrides: Record<string, unknown>;
  preHello: FuzzStats;
  postHello: FuzzStats;
  casesPerSecond: number;
  roundsCompleted: number;
  /** Fit replies sent by the fuzz client and judged valid/invalid by the oracle. */
  fitRepliesValid: number;
  fitRepliesInvalid: number;
  /** Rounds that aggregated the fuzz client's reply (each had an oracle-valid reply). */
  fuzzClientAggregated: number;
  /** Cases the oracle says the server got wrong (welcomed without credentials). */
  violations: FuzzViolation[];
  /** Rounds that aggregated an invalid reply. */
  aggregatedInvalid: Violation[];
  peakRssMiB: number;
  probes: ProbeStats;
  server: ServerExit;
}

export interface SoakPhaseReport {
  seconds: number;
  calmSeconds: number;
  loadSeconds: number;
  /** The server's settings are the defaults (caps included), except the descriptor limit below. */
  serverNofile: number | null;
  /** Loopback source addresses the idle sockets came from (the per-address cap applies to each). */
  idleAddresses: number;
  roundsCalm: number;
  roundsUnderLoad: number;
  /** Rounds the calm rate predicts for the loaded period. */
  roundsExpectedUnderLoad: number;
  /** Rounds under load that aggregated every honest client. */
  roundsWithAllHonest: number;
  peakRssMiBCalm: number;
  peakRssMiB: number;
  load: SoakLoadStats;
  probes: ProbeStats;
  server: ServerExit;
}

export interface FuzzServerReport {
  date: string;
  node: string;
  command: string;
  seed: number;
  maxRssMiB: number;
  fuzz: FuzzPhaseReport;
  soak: SoakPhaseReport | null;
  /** Server processes that died and had to be started again (the harness never restarts one: a death fails the run). */
  serverRestarts: number;
  /** Why the run failed; empty when it passed. */
  failures: string[];
  verdict: 'pass' | 'FAIL';
}

function exitText(e: ServerExit): string {
  return `${e.signal ?? `exit ${e.code}`} after SIGTERM in ${e.shutdownSeconds.toFixed(1)} s${e.killed ? ' (had to be killed)' : ''}`;
}

function answers(a: Record<string, number>, label = ''): string {
  return (
    Object.entries(a)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${label}${k}: ${v}`)
      .join(', ') || 'none'
  );
}

/** The Markdown summary written to bench-results/fuzz-server.md. */
export function formatFuzzReport(r: FuzzServerReport): string {
  const f = r.fuzz;
  const kinds = alignTable(
    [
      ['mutation kind', 'before hello', 'after hello'],
      ...MUTATION_KINDS.map((k) => [k, String(f.preHello.byKind[k] ?? 0), String(f.postHello.byKind[k] ?? 0)]),
      ['total', String(f.preHello.cases), String(f.postHello.cases)],
    ],
    { rightAlignFrom: 1 },
  );
  const lines = [
    '# Server fuzzer and soak',
    '',
    `\`${r.command}\` (${r.date}, node ${r.node}, seed ${r.seed}). Verdict: **${r.verdict}**${r.failures.length > 0 ? `: ${r.failures.map((f) => f.split('\n')[0]).join('; ')}` : ''}.`,
    ...(r.failures.length > 0 ? ['', '```', ...r.failures, '```'] : []),
    '',
    '## Fuzz',
    '',
    `A real \`jointly server\` (FedAvg on a tiny tabular task, round timeout 6 s, per-client timeout 3 s) with two honest \`jointly client\`s, for ${f.seconds.toFixed(0)} s: ${f.preHello.cases + f.postHello.cases} mutated frames (${f.casesPerSecond.toFixed(1)}/s), ${f.preHello.cases} on fresh unauthenticated connections and ${f.postHello.cases} from a registered client (its fit replies mutated).`,
    `Server settings changed for the fuzz only (so that one fuzzing address is not simply locked out): ${Object.entries(f.serverOverrides).map(([k, v]) => `${k} ${String(v)}`).join(', ')}.`,
    '',
    '```',
    kinds,
    '```',
    '',
    '| | |',
    '|---|---|',
    `| server restarts | ${r.serverRestarts} |`,
    `| rounds completed | ${f.roundsCompleted} |`,
    `| fuzz client's fit replies valid / invalid (oracle: the project's decodeMessage + validateFitReply) | ${f.fitRepliesValid} / ${f.fitRepliesInvalid} |`,
    `| rounds that aggregated the fuzz client (each with an oracle-valid reply) | ${f.fuzzClientAggregated} |`,
    `| rounds that aggregated an invalid reply | ${f.aggregatedInvalid.length} |`,
    `| welcomed without valid credentials | ${f.violations.length} |`,
    `| peak server RSS | ${f.peakRssMiB.toFixed(0)} MiB (bound ${r.maxRssMiB} MiB) |`,
    `| liveness probes (fresh honest hello welcomed) | ${f.probes.ok} ok, ${f.probes.failed} failed, slowest ${f.probes.maxMs.toFixed(0)} ms |`,
    `| server answers before hello | ${answers(f.preHello.answers)} |`,
    `| server answers after hello | ${answers(f.postHello.answers)} |`,
    `| connections closed by the server (before / after hello) | ${f.preHello.closedByServer} / ${f.postHello.closedByServer} |`,
    `| shutdown | ${exitText(f.server)} |`,
    '',
  ];
  for (const v of f.violations.slice(0, 10)) lines.push(`- ${v.caseId} (${v.kind}: ${v.detail}): ${v.what}`);
  for (const v of f.aggregatedInvalid.slice(0, 10)) lines.push(`- round ${v.round} aggregated the fuzz client although every reply it sent for that round was invalid: ${v.sent.join('; ')}`);
  const s = r.soak;
  if (s !== null) {
    const l = s.load;
    lines.push(
      '## Soak',
      '',
      `A second server with the default limits${s.serverNofile === null ? '' : ` and a descriptor limit of ${s.serverNofile} (prlimit)`}, two honest clients: ${s.calmSeconds.toFixed(0)} s calm, then ${s.loadSeconds.toFixed(0)} s with, alongside, ${l.idlePeak} idle TCP sockets open at the peak (from ${s.idleAddresses} loopback addresses), partial frames declaring 250 MiB trickled before hello, and a registered client reconnecting every few seconds.`,
      '',
      '| | |',
      '|---|---|',
      `| rounds calm / under load | ${s.roundsCalm} / ${s.roundsUnderLoad} |`,
      `| rounds expected under load (calm rate) | ${s.roundsExpectedUnderLoad.toFixed(1)} |`,
      `| rounds under load with every honest client aggregated | ${s.roundsWithAllHonest} |`,
      `| peak server RSS calm / overall | ${s.peakRssMiBCalm.toFixed(0)} / ${s.peakRssMiB.toFixed(0)} MiB |`,
      `| idle sockets closed by the server / failed to connect | ${l.idleClosedByServer} / ${l.idleConnectFailed} |`,
      `| partial frames started / closed by the server (by close code) / refused at upgrade | ${l.partialStarted} / ${answers(l.partialClosedByServer, 'code ')} / ${l.partialUpgradeFailed} |`,
      `| partial-frame bytes sent | ${(l.partialBytesSent / 1024 / 1024).toFixed(1)} MiB |`,
      `| churning client joins / refusals / fits answered | ${l.churnJoins} / ${answers(l.churnRefused)} / ${l.churnFitsAnswered} |`,
      `| liveness probes | ${s.probes.ok} ok, ${s.probes.failed} failed (${answers(s.probes.failures)}), slowest ${s.probes.maxMs.toFixed(0)} ms |`,
      `| shutdown with the load's sockets still open | ${exitText(s.server)} |`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
