/** The JSON result of an alignment run (see run-alignment.ts), read by alignment-report.ts. Types only. */
import type { RetrievalScores } from './retrieval.js';
import type { TowerName } from './two-tower.js';

/** One training epoch. */
export interface AlignmentEpoch {
  /** 1-based. */
  readonly epoch: number;
  /** Mean contrastive loss over the epoch's training samples. */
  readonly loss: number;
  /** Temperature τ = 1/logit scale at the end of the epoch. */
  readonly temperature: number;
  /** Every learned parameter of the loss at the end of the epoch (`logitScale`, SigLIP's `bias`). */
  readonly parameters: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Linear-probe accuracies on one set of features. */
export interface ProbeScores {
  /** Test accuracy. */
  readonly accuracy: number;
  readonly trainAccuracy: number;
  /** Final mean training cross-entropy of the probe. */
  readonly trainLoss: number;
}

/**
 * What {@link runAlignment} returns (JSON): the loss and the towers, every training epoch,
 * retrieval recall@k of the trained and the untrained model against chance, and, when they ran, the
 * zero-shot and linear-probe scores.
 */
export interface AlignmentResult {
  readonly mode: 'alignment';
  /** The loss and its parsed options. */
  readonly loss: { readonly name: string; readonly options: unknown };
  /** Modality and encoder type of each tower. */
  readonly towers: Readonly<Record<TowerName, { readonly modality: string; readonly encoder: string; readonly width: number }>>;
  /** Width of the shared space. */
  readonly dim: number;
  readonly seed: number;
  readonly backend: string;
  /** Training pairs (samples with both modalities) and test pairs. */
  readonly trainPairs: number;
  readonly testPairs: number;
  readonly epochs: readonly AlignmentEpoch[];
  /** The k of the recall@k columns. */
  readonly recallAt: readonly number[];
  readonly retrieval: {
    /** After training. */
    readonly trained: RetrievalScores;
    /** The same model at its initial weights. */
    readonly untrained: RetrievalScores;
    /** recall@k of a random ranking: k / N. */
    readonly chance: Readonly<Record<string, number>>;
  };
  /** Zero-shot classification, when prompts were given. */
  readonly zeroShot?: {
    /** The tower that embedded the prompts; the other tower's test samples were classified. */
    readonly promptTower: TowerName;
    readonly classifiedModality: string;
    readonly prompts: number;
    readonly samples: number;
    readonly trained: number;
    readonly untrained: number;
    /** 1 / number of classes. */
    readonly chance: number;
  };
  /** The linear probe on one tower's frozen features, aligned vs initial weights (absent when the data has no labels or the probe is off). */
  readonly probe?: {
    readonly tower: TowerName;
    readonly modality: string;
    /** `encoder`: the encoder's vector; `projection`: the shared-space embedding. */
    readonly features: 'encoder' | 'projection';
    readonly trainSamples: number;
    readonly testSamples: number;
    readonly aligned: ProbeScores;
    readonly untrained: ProbeScores;
  };
  /** Wall time of the whole run (training, embedding, probes), in seconds. */
  readonly seconds: number;
  /** Wall time of the training epochs alone. */
  readonly trainSeconds: number;
}
