/** Reading CSV, JSON Lines and IDX files from disk into datasets (the parsers are browser-safe; this is the Node side). */
import type { EncodedTable } from '../csv-encode.js';
import { encodeCsvWithPipeline, parseCsv, readCsvDataset, type CsvDataset, type CsvOptions } from '../csv.js';
import type { Dataset } from '../dataset.js';
import type { ColumnRef, FeaturePipeline } from '../feature-pipeline.js';
import { idxPairDataset, parseIdx, type IdxArray, type IdxPairOptions } from '../idx.js';
import { parseJsonl, type JsonlOptions } from '../jsonl.js';
import { readDataFile, readDataText } from './read-data-file.js';

/** Reads a CSV file into a dataset (see `parseCsv`). */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  return parseCsv(readDataText(path, 'CSV file'), path, opts);
}

/** Reads a CSV file as a training file: the dataset and the pipeline that reads files like it (see `readCsvDataset`). */
export function loadCsvDataset(path: string, opts: CsvOptions = {}): CsvDataset {
  return readCsvDataset(readDataText(path, 'CSV file'), path, opts);
}

/** Reads a CSV file the way a pipeline says (see `encodeCsvWithPipeline`). */
export function loadCsvWithPipeline(path: string, pipeline: FeaturePipeline, opts: { requireLabels: boolean; labelColumn?: ColumnRef }): EncodedTable {
  return encodeCsvWithPipeline(readDataText(path, 'CSV file'), path, pipeline, opts);
}

/** Reads a JSON Lines file into a dataset (see `parseJsonl`). */
export function loadJsonl(path: string, opts: JsonlOptions = {}): Dataset {
  return parseJsonl(readDataText(path, 'JSON Lines file'), path, opts);
}

/** Reads and parses an IDX file (gzipped or not). */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readDataFile(path, 'IDX file'), path);
}

/**
 * Loads an images file and its labels file (IDX, gzipped or not) as a dataset. Features are
 * scaled by `opts.scale`; 3-d image files give samples of shape [rows, cols, 1].
 */
export function loadIdxPair(imagesPath: string, labelsPath: string, opts: IdxPairOptions = {}): Dataset {
  return idxPairDataset(readIdxFile(imagesPath), readIdxFile(labelsPath), { images: imagesPath, labels: labelsPath }, opts);
}
