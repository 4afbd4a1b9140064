/**
 * How a run reads what is not in memory: the datasets its data config names, and saved models.
 * The core is browser-safe and has no files, so runs take this from their caller: jointly-ml/node's
 * `nodeIo` reads files; a browser app can read from anywhere it likes (fetch, IndexedDB).
 */
import type { DataConfig } from '../data/config.js';
import type { RawData } from '../data/prepare.js';
import type { SavedModelLoader } from './model-source.js';

/**
 * How a run reads its datasets and saved models, supplied by the caller since the browser-safe core
 * has no file access. In Node, `nodeIo` from jointly-ml/node reads files.
 */
export interface RunIo {
  /** Reads the datasets a data config names (built-in ones, or its files). */
  loadData(cfg: DataConfig): RawData;
  /** Loads a saved model with its names (for `saved` model specs). */
  loadSaved: SavedModelLoader;
}
