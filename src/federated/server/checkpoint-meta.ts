/**
 * The header of a federated checkpoint (`CheckpointMeta`) and its re-validation on resume:
 * `checkCheckpointMeta` checks every field's shape, and the fields against the payload (layout
 * size, strategy and pool vectors, the parameters' checksum) and against the history (one record
 * per round, in order; the per-client counts it implies), so that a checkpoint that is readable
 * but inconsistent is refused with a CheckpointError naming the field instead of resuming wrongly.
 */
import { z } from 'zod';
import { CheckpointError } from '../../errors.js';
import type { TensorLayout } from '../task.js';
import type { ClientRecord, RoundRecord } from './coordinator.js';
import { countRound } from './count-round.js';

export interface CheckpointMeta {
  format: 'jointly-federated-checkpoint';
  version: 1;
  runId: string;
  fingerprint?: string;
  /** Last completed round. */
  round: number;
  layout: TensorLayout[];
  strategy: { name: string; scalars: Record<string, number>; vectors: string[] };
  pool: string[];
  history: RoundRecord[];
  clients: Record<string, ClientRecord>;
}

/** Any number, NaN and ±Infinity included (the checkpoint file keeps them). */
const num = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const count = z.number().int().min(0);
const FailureSchema = z.looseObject({ clientId: z.string(), reason: z.string() });
const ScoresSchema = { loss: num, accuracy: num };

// Loose objects: the coordinator may record more than this; what it reads back must be as shown.
const RoundRecordSchema = z.looseObject({
  round: count,
  sampled: z.array(z.string()),
  replied: z.array(z.string()),
  failures: z.array(FailureSchema),
  refused: z.string().optional(),
  trainLoss: num,
  aggregate: z.record(z.string(), num),
  evaluation: z.looseObject(ScoresSchema).optional(),
  federatedEvaluation: z
    .looseObject({
      ...ScoresSchema,
      // The weight counted, after the bounds' caps (which may clip a count to a fraction).
      numExamples: z.number().min(0),
      // The results as the clients reported them, implausible ones included.
      clients: z.array(z.looseObject({ clientId: z.string(), numExamples: num, ...ScoresSchema })),
    })
    .optional(),
  // numExamples: the weight aggregated, after any clip by the bounds.
  clientMetrics: z.record(z.string(), z.record(z.string(), num).and(z.looseObject({ numExamples: z.number().min(0) }))),
  bytesSent: count,
  bytesReceived: count,
  seconds: z.number().min(0),
  paramsChecksum: z.string().regex(/^[0-9a-f]{8}$/, 'expected 8 hex digits'),
});

const ClientRecordSchema = z.looseObject({ sampled: count, replied: count, failures: count, lastFailure: z.string().optional() });

const CheckpointMetaSchema = z.strictObject({
  format: z.literal('jointly-federated-checkpoint'),
  version: z.literal(1),
  runId: z.string(),
  fingerprint: z.string().optional(),
  round: count,
  layout: z.array(z.strictObject({ name: z.string(), shape: z.array(count) })),
  strategy: z.strictObject({ name: z.string(), scalars: z.record(z.string(), num), vectors: z.array(z.string()) }),
  pool: z.array(z.string()),
  history: z.array(RoundRecordSchema),
  clients: z.record(z.string(), ClientRecordSchema),
});

// Compile-time: what the schema accepts is a CheckpointMeta (fails to compile when the interfaces gain a required field the schema lacks).
const _schemaFitsInterface = (m: z.infer<typeof CheckpointMetaSchema>): CheckpointMeta => m;

/** "history[2].round" from a zod issue path. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || 'the header';
}

export interface ExpectedCheckpoint {
  /** The checkpoint file, named in errors. */
  path: string;
  /** The checksum the history records of the parameters (the coordinator's `paramsChecksum`). */
  checksum: (params: Float32Array) => string;
}

/** What a history implies for each client (what the coordinator's bookkeeping adds up to). */
function clientsFromHistory(history: readonly RoundRecord[]): Map<string, ClientRecord> {
  const clients: Record<string, ClientRecord> = {};
  for (const r of history) countRound(clients, r);
  return new Map(Object.entries(clients));
}

/**
 * Re-validates a checkpoint's header against itself, its payload and its history; returns it
 * typed. CheckpointError naming the field when anything disagrees.
 */
export function checkCheckpointMeta(meta: unknown, vectors: Readonly<Record<string, Float32Array>>, expected: ExpectedCheckpoint): CheckpointMeta {
  const wrong = (field: string, why: string): CheckpointError =>
    new CheckpointError(
      `the checkpoint ${expected.path} is inconsistent: ${field} ${why}`,
      'it was altered, or written by another version of jointly: restore it from a backup, or start a new run without --resume',
    );
  const parsed = CheckpointMetaSchema.safeParse(meta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw wrong(fieldName(issue.path), `is wrong: ${issue.message}`);
  }
  // The input, not the parsed copy: loose objects keep fields this schema does not know.
  const m = meta as CheckpointMeta;

  if (m.history.length !== m.round) throw wrong('history', `has ${m.history.length} records for ${m.round} completed rounds`);
  m.history.forEach((r, i) => {
    if (r.round !== i + 1) throw wrong(`history[${i}].round`, `is ${r.round}, expected ${i + 1}`);
  });

  const params = Object.hasOwn(vectors, 'params') ? vectors.params : undefined;
  if (params === undefined) throw wrong('the payload', "has no 'params' vector");
  const size = m.layout.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  if (size !== params.length) throw wrong('layout', `adds up to ${size} parameters, but 'params' holds ${params.length}`);

  const listed = (field: 'strategy.vectors' | 'pool', prefix: string, names: readonly string[]): void => {
    const seen = new Set<string>();
    for (const [i, k] of names.entries()) {
      if (seen.has(k)) throw wrong(`${field}[${i}]`, `names '${k}' twice`);
      seen.add(k);
      if (!Object.hasOwn(vectors, `${prefix}${k}`)) throw wrong(`${field}[${i}]`, `names '${k}', but the payload has no vector '${prefix}${k}'`);
    }
    for (const name of Object.keys(vectors)) {
      if (name.startsWith(prefix) && !seen.has(name.slice(prefix.length))) throw wrong(field, `does not list the payload's vector '${name}'`);
    }
  };
  listed('strategy.vectors', 'strategy/', m.strategy.vectors);
  listed('pool', 'pool/', m.pool);
  for (const name of Object.keys(vectors)) {
    if (name !== 'params' && !name.startsWith('strategy/') && !name.startsWith('pool/')) throw wrong('the payload', `holds a vector '${name}' that no field lists`);
  }

  const implied = clientsFromHistory(m.history);
  for (const [id, c] of Object.entries(m.clients)) {
    const h = implied.get(id);
    if (h === undefined) throw wrong(`clients.${id}`, 'is a client the history never mentions');
    for (const key of ['sampled', 'replied', 'failures'] as const) {
      if (c[key] !== h[key]) throw wrong(`clients.${id}.${key}`, `is ${c[key]}, but the history adds up to ${h[key]}`);
    }
    if (c.lastFailure !== h.lastFailure) throw wrong(`clients.${id}.lastFailure`, 'is not the last failure the history records');
  }
  for (const id of implied.keys()) if (!Object.hasOwn(m.clients, id)) throw wrong('clients', `lacks '${id}', whom the history mentions`);

  const last = m.history.at(-1);
  if (last !== undefined) {
    const actual = expected.checksum(params);
    if (last.paramsChecksum !== actual) throw wrong(`history[${m.round - 1}].paramsChecksum`, `is ${last.paramsChecksum}, but the parameters in the payload have ${actual}`);
  }
  return m;
}
