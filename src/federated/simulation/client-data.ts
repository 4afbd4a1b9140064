/**
 * Data given per client in code (rather than one dataset partitioned by the simulation): every
 * client's dataset is aligned to the federation's schema, as a networked client aligns its file
 * (labels through the class list, columns by name), then the datasets are pooled into one, which
 * the workers share, with each client's rows as a range of indices. Pure and browser-safe.
 */
import { datasetLength, sampleSize, type Dataset } from '../../data/dataset.js';
import { alignToSchema, type DataSchema } from '../../data/schema.js';
import { ConfigError } from '../../errors.js';
import { clientIdSchema } from '../auth/client-id.js';

/** Each client's training data by client id, and the held-out set the global model is scored on. */
export interface ClientData {
  clients: Readonly<Record<string, Dataset>>;
  test: Dataset;
}

/** The clients' data pooled: one training set, each client's row indices, and the aligned test set. */
export interface PooledClientData {
  clientIds: string[];
  train: Dataset;
  parts: Int32Array[];
  test: Dataset;
}

/** Aligns every client's data (and the test set) to `schema` and pools the training rows. */
export function poolClientData(data: ClientData, schema: DataSchema): PooledClientData {
  const clientIds = Object.keys(data.clients);
  if (clientIds.length === 0) throw new ConfigError('clients', 'no client data was given', 'pass at least one client: { clients: { "site-a": dataset, ... } }');
  for (const id of clientIds) {
    if (!clientIdSchema.safeParse(id).success) throw new ConfigError('clients', `'${id}' is not a valid client id`, 'use letters, digits, dot, dash and underscore (1 to 64 characters)');
  }
  const against = 'the federation';
  const aligned = clientIds.map((id) => alignToSchema(data.clients[id], schema, { source: `client '${id}'`, against }));
  const test = alignToSchema(data.test, schema, { source: 'the test set', against });
  const size = sampleSize(schema.inputShape);
  const total = aligned.reduce((s, ds) => s + datasetLength(ds), 0);
  const features = new Float32Array(total * size);
  const labels = new Int32Array(total);
  const parts: Int32Array[] = [];
  let at = 0;
  for (const ds of aligned) {
    const n = datasetLength(ds);
    features.set(ds.features.subarray(0, n * size), at * size);
    labels.set(ds.labels, at);
    parts.push(Int32Array.from({ length: n }, (_, i) => at + i));
    at += n;
  }
  const train: Dataset = { ...test, features, labels };
  return { clientIds, train, parts, test };
}
