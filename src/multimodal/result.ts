/** What a multimodal run returns: per seed, every model's test accuracy (JSON). */
import type { AlignmentResult } from './alignment/alignment-result.js';
import type { CoTrainingResult } from './teaching/co-training.js';
import type { CrossModalMutualResult } from './teaching/cross-modal-mutual.js';

/** A fused model's label in reports: the fusion's name, with its options when the run has two of the same name. */
export interface FusionSummary {
  readonly label: string;
  readonly name: string;
  readonly options: unknown;
  readonly description: string;
}

/** One modality of a multimodal run as reported: its name, kind, encoder type, preprocessor name, and how many training samples have it. */
export interface ModalitySummary {
  readonly name: string;
  readonly kind: string;
  readonly encoder: string;
  readonly preprocessor: string;
  /** Training samples that have the modality. */
  readonly presentTrain: number;
}

/**
 * One seed of a multimodal run: the test accuracies (fractions in [0, 1]) of the alone models,
 * their ensemble and the fused models, the robustness table, training seconds, parameter counts,
 * loss curves, and the teaching results the config asked for.
 */
export interface MultimodalSeedResult {
  readonly seed: number;
  /** Test accuracy of each modality's model trained alone. */
  readonly alone: Record<string, number>;
  /** Test accuracy of the ensemble of the alone models (averaged logits). */
  readonly ensemble: number;
  /** Test accuracy of each fused model, by fusion label. */
  readonly fused: Record<string, number>;
  /** Test accuracy of each fused model with one modality removed from every test sample: robustness[fusion][removed modality]. */
  readonly robustness: Record<string, Record<string, number>>;
  /** Training seconds of each model. */
  readonly seconds: { readonly alone: Record<string, number>; readonly fused: Record<string, number> };
  /** Trainable parameters of each model. */
  readonly params: { readonly alone: Record<string, number>; readonly fused: Record<string, number> };
  /** Mean training loss of every epoch, per model (`alone/<modality>`, `fused/<fusion>`). */
  readonly losses: Record<string, number[]>;
  /** Co-training between the modalities, when the config asks for it. */
  readonly coTraining?: CoTrainingResult;
  /** Contrastive alignment, when the config asks for it. */
  readonly alignment?: AlignmentResult;
  /** Cross-modal mutual learning, when the config asks for it. */
  readonly crossModal?: CrossModalMutualResult;
}

/**
 * What {@link runMultimodal} returns (JSON): the run's name and data, its modalities and fusions,
 * the missing-modality settings, class and sample counts, epochs, backend, and one {@link
 * MultimodalSeedResult} per seed.
 */
export interface MultimodalResult {
  readonly name: string;
  readonly data: string;
  readonly modalities: readonly ModalitySummary[];
  readonly fusions: readonly FusionSummary[];
  readonly missing: { readonly handling: string; readonly dropout: number };
  readonly classNames?: readonly string[];
  readonly numClasses: number;
  readonly trainSamples: number;
  readonly testSamples: number;
  readonly epochs: number;
  readonly backend: string;
  readonly seeds: readonly MultimodalSeedResult[];
}
