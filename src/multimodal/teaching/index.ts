/**
 * Co-training and cross-modal teaching: one single-modality model per view, teaching the others
 * through pseudo-labels (co-training, Blum & Mitchell 1998) or through their predictions (the
 * mutual mode's methods, e.g. deep mutual learning), each compared with the same model alone.
 */
export {
  CO_TRAINING_OPTION_NAMES,
  CoTrainingOptionsSchema,
  coTrainingMarkdown,
  runCoTraining,
  type CoTrainingInput,
  type CoTrainingOptions,
  type CoTrainingOptionsInput,
  type CoTrainingResult,
  type CoTrainingRound,
  type CoTrainingViewResult,
  type PseudoLabelStats,
} from './co-training.js';
export {
  CROSS_MODAL_MUTUAL_OPTION_NAMES,
  CrossModalMutualOptionsSchema,
  crossModalMutualMarkdown,
  runCrossModalMutual,
  type CrossModalMutualInput,
  type CrossModalMutualOptions,
  type CrossModalMutualOptionsInput,
  type CrossModalMutualResult,
  type CrossModalViewResult,
} from './cross-modal-mutual.js';
export { hideLabels, type HiddenLabels } from './hide-labels.js';
export { maskedCrossEntropyObjective } from './masked-objective.js';
export { classQuotas, selectConfident, type ConfidentPick } from './select-confident.js';
export { viewMember, type TeachingView, type ViewMemberOptions } from './view-model.js';
