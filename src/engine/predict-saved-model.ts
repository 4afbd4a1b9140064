/**
 * Predictions of a saved classifier on a data file (Node): the model is loaded from its folder
 * and the file read the way the model's data schema says (`loadModelInput`: CSV options, feature
 * columns by header name, categorical encoding, missing values, the training split's scaling),
 * so a prediction file needs no label column and may have its columns in any order; the
 * predictions themselves are predict-classifier.ts's (browser-safe).
 */
import { loadModelInput } from '../data/files/model-input.js';
import { modelSchema } from './evaluate-classifier.js';
import { loadSavedModel } from './model-io.js';
import { predictableOutput, predictionsFor, type SavedModelPredictions } from './predict-classifier.js';

/** Options of `predictSavedModel`. */
export interface PredictSavedModelOptions {
  /** CSV files: the label column, by header name or 0-based index, when the file has one. Default: found by the model's schema (a file with only the feature columns has none). */
  labelColumn?: string | number;
  /** Rows per forward pass. Default 512. */
  batchSize?: number;
}

/**
 * Loads a saved classifier (a federated run's model/ or best-model/, a mutual run's member, any
 * tfjs layers classifier with one input and one output) and predicts every row of a `.csv` or
 * `.jsonl` file, read the way the model's schema says. The label column is optional. Errors:
 * DataMissingError (no model or file, exit 3), DataMalformedError (a bad cell or an unknown
 * class, exit 3), ShapeMismatchError (a missing column, another feature count, a regression
 * head, exit 4). The model is disposed.
 */
export async function predictSavedModel(modelDir: string, dataPath: string, opts: PredictSavedModelOptions = {}): Promise<SavedModelPredictions> {
  const saved = await loadSavedModel(modelDir);
  try {
    // The model's kind first: a regression model is refused before its data is read.
    predictableOutput(saved);
    const schema = modelSchema(saved, { sigmoid: true });
    const input = loadModelInput(dataPath, schema, { ...(opts.labelColumn === undefined ? {} : { labelColumn: opts.labelColumn }), requireLabels: false });
    return predictionsFor(saved, input, opts.batchSize === undefined ? {} : { batchSize: opts.batchSize });
  } finally {
    saved.named.model.dispose();
  }
}
