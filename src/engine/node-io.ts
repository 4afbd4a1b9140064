/** The Node implementation of RunIo: data and models from files. */
import { loadRawData } from '../data/files/load.js';
import { loadNamedModel } from './model-io.js';
import type { RunIo } from './run-io.js';

/** Reads data files and built-in datasets from disk, and saved models from their folders. */
export const nodeIo: RunIo = {
  loadData: (cfg) => loadRawData(cfg),
  loadSaved: (path) => loadNamedModel(path),
};
