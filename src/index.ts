/**
 * jointly: joint learning for TypeScript. The browser-safe core: the engine (backends, models
 * with many inputs and heads, the training loop, per-loss gradients, evaluation per head, flat
 * parameters), data in memory (datasets of named fields, parsers, splits, label noise), the
 * mutual-learning mode and the joint-versus-alone report. Nothing here touches files, the
 * network or Node built-ins: `jointly-ml/node` adds those, `jointly-ml/federated` federated learning.
 */
export * from './errors.js';

/** The tfjs-core and tfjs-layers jointly runs on: use these for tensors and models you hand to jointly, so that there is one copy of each. */
export * as tf from '@tensorflow/tfjs-core';
export * as tfl from '@tensorflow/tfjs-layers';

export { selectBackend, registerBackendProvider, BACKEND_NAMES, type BackendChoice, type BackendName, type BackendProvider } from './engine/backend-registry.js';
export { registerWasmTrainingKernels } from './engine/wasm-kernels/register.js';
export { buildModel, forwardMacs, ModelSpecSchema, MlpSpecSchema, CnnSpecSchema, ACTIVATIONS, type ModelSpec, type ModelSpecInput, type BuildModelOptions } from './engine/model-spec.js';
export { buildGraphModel, GraphSpecSchema, GraphNodeSchema, GraphHeadSchema, GraphInputSchema, type GraphSpec, type GraphSpecInput, type BuildGraphOptions } from './engine/graph-spec.js';
export { createModel, MemberModelSpecSchema, SavedModelSpecSchema, type MemberModelSpec, type MemberModelSpecInput, type CreateModelOptions, type SavedModelLoader } from './engine/model-source.js';
export { createOptimizer, OptimizerSpecSchema, type OptimizerSpec, type OptimizerSpecInput } from './engine/optimizer.js';
export { AdamOptimizer } from './engine/optimizers/adam.js';
export { MomentumOptimizer } from './engine/optimizers/momentum.js';
export { createMember, disposeMembers, nameModel, checkMemberShapes, checkMemberFields, forward, trainableVariables, type Member, type MemberOptions, type NamedModel } from './engine/member.js';
export { HEAD_OUTPUTS, detectHeadOutput, headLogits, type HeadOutput } from './engine/head-output.js';
export { datasetSource, fieldSource, type Batch, type BatchSource, type BatchSourceOptions } from './engine/batch.js';
export type { Objective, StepContext } from './engine/objective.js';
export { trainStep, planVariables, splitShared, type StepOptions, type StepLosses, type Gradients, type GradientCombiner, type VariablePlan } from './engine/train-step.js';
export { lossGradients, type LossGradients } from './engine/tape-gradients.js';
export { train, type TrainOptions, type TrainProgress, type EpochRecord } from './engine/trainer.js';
export { evaluate, evaluateHeads, type Evaluation, type EvaluateOptions, type Scores, type HeadEvaluation, type EvaluateHeadsOptions, type MetricValues } from './engine/evaluate.js';
export { getMetric, metricsFor, listMetrics, METRICS, METRIC_NAMES } from './engine/metrics/registry.js';
export type { Metric, MetricInput } from './engine/metrics/metric.js';
export { crossEntropy, perSampleCrossEntropy, perSampleSquaredError, distillationKl, stopGradient, maskedMean } from './engine/losses.js';
export { paramLayout, readParams, writeParams, type ParamEntry, type ParamOptions } from './engine/flat-params.js';
export { modelToArtifacts, modelFromArtifacts, type ModelArtifacts, type JointlyModelNames } from './engine/model-artifacts.js';
export { createRng, deriveSeed, permutation, type Rng } from './engine/random.js';
export { SeededDropout } from './engine/layers/seeded-dropout.js';
export type { RunIo } from './engine/run-io.js';

export { makeDataset, subset, datasetLength, type Dataset } from './data/dataset.js';
export { alignToSchema, checkProfile, profileOf, schemaOf, DataSchemaSchema, type DataSchema, type DataProfile, type AlignOptions } from './data/schema.js';
export {
  makeFieldDataset,
  toFields,
  selectRows,
  describeFields,
  fieldInfo,
  strata,
  isTarget,
  targetWidth,
  labelledCount,
  INPUT_KINDS,
  TARGET_KINDS,
  type FieldDataset,
  type Field,
  type FieldInfo,
  type FieldKind,
  type TargetKind,
  type InputField,
  type TargetField,
  type FloatField,
  type TokensField,
  type ClassesField,
  type BinaryField,
  type MultiLabelField,
  type RegressionField,
} from './data/fields.js';
export { parseIdx, idxPairDataset, type IdxArray, type IdxPairOptions } from './data/idx.js';
export { parseCsv, type CsvOptions } from './data/csv.js';
export { parseJsonl, type JsonlOptions } from './data/jsonl.js';
export { splitDataset, splitFields, stratifiedSplit, type SplitOptions } from './data/split.js';
export { addLabelNoise, type LabelNoiseOptions } from './data/label-noise.js';
export { limitLabels } from './data/limit-labels.js';
export { prepareExperimentData, type ExperimentData, type RawData } from './data/prepare.js';
export { DataConfigSchema, type DataConfig, type DataConfigInput } from './data/config.js';

export type { MutualMethod, MethodContext, JointSetup } from './mutual/method.js';
export { getMutualMethod, listMutualMethods, MUTUAL_METHOD_NAMES, type RegisteredMethod } from './mutual/registry.js';
export { independentObjective } from './mutual/methods/independent.js';
export { MutualConfigSchema, type MutualConfig, type MutualConfigInput } from './mutual/config.js';
export { runMutual, type MutualResult, type MutualEvent, type SeedResult, type RunMutualOptions } from './mutual/run-mutual.js';
export { mutualComparison, mutualReportMarkdown } from './mutual/mutual-report.js';

export { compareJointAlone, comparisonMarkdown, comparisonText, verdict, type Comparison, type ComparisonRow, type SeedScores } from './report/joint-vs-alone.js';
export { summarize, type Summary } from './report/stats.js';
export { lineChartSvg, type Series, type ChartOptions } from './report/line-chart-svg.js';

// Multi-task learning: tasks, architectures, weightings and gradient methods, the run and its report.
export { MultitaskConfigSchema, ArchitectureConfigSchema, WeightingConfigSchema, HeadConfigSchema, type MultitaskConfig, type MultitaskConfigInput } from './multitask/config.js';
export { runMultitask, type RunMultitaskOptions, type MultitaskData, type MultitaskEvent, type MultitaskPhase, type SingleTaskCache, type SingleTaskResult } from './multitask/run-multitask.js';
export type { MultitaskResult, MultitaskSeedResult, TaskSummary } from './multitask/result.js';
export { resolveTasks, taskLoss, TaskConfigSchema, TASK_LOSSES, type Task, type TaskConfig, type TaskLoss } from './multitask/task.js';
export { multitaskObjective, REPRESENTATION_HEAD, type MultitaskObjective, type MultitaskObjectiveOptions } from './multitask/objective.js';
export type { Weighting, LossWeighting, GradientMethod, Aggregation, RegisteredWeighting, WeightingSetup, WeightingStep } from './multitask/weighting.js';
export { getWeighting, findWeighting, listWeightings, WEIGHTING_NAMES } from './multitask/weightings/registry.js';
export type { RegisteredArchitecture, ArchitectureBuild, HeadPlan, HeadSpec, MultiTaskModel } from './multitask/architecture.js';
export { getArchitecture, findArchitecture, listArchitectures, ARCHITECTURE_NAMES } from './multitask/architectures/registry.js';
export { jacobianOf, checkJacobian, type Jacobian } from './multitask/jacobian/jacobian.js';
export { dot, norm, gram, combineRows, solveLinear, symmetricEigen, projectToSimplex, solveNonNegativeQp } from './multitask/jacobian/linalg.js';
export { minNormWeights } from './multitask/jacobian/min-norm.js';
export { deltaM, deltaMSummary, summarizeDeltaM, type DeltaMResult, type DeltaMSummary } from './multitask/delta-m.js';
export { multitaskComparison, multitaskVerdict, multitaskReportText, multitaskReportMarkdown, multitaskReportJson, multitaskCurvesSvg, type MultitaskComparison } from './multitask/multitask-report.js';
export { MultitaskDataConfigSchema, MULTITASK_DATASET_NAMES, type MultitaskDataConfig, type MultitaskDataConfigInput } from './data/multitask/config.js';
export { buildMultiDigitImages, multiDigitsFields, normalizeMultiDigits, pairPartners } from './data/multitask/multi-digits.js';
export { fashionTaskFields, FASHION_TASKS, FASHION_CATEGORY_NAMES } from './data/multitask/fashion-tasks.js';
export { mmoeSynthetic, MMOE_SYNTHETIC_TASKS, type MmoeSyntheticOptions } from './data/multitask/mmoe-synthetic.js';
export { removeLabels, type RemoveLabelsOptions } from './data/multitask/remove-labels.js';
export { parseMultiTargetCsv, parseMultiTargetJsonl, type MultiTargetOptions, type MultiTargetTable, type TargetSpec } from './data/multitask/multi-target-tabular.js';

// Multimodal learning: modalities, preprocessing, encoders, fusions, alignment, teaching, runs.
export { MODALITY_KINDS, LABEL_FIELD, presenceField, isPresent, checkMultimodalDataset, selectMultimodalRows, type ModalityKind, type ModalityData, type ImageModality, type TextModality, type TabularModality, type SignalModality, type MultimodalDataset } from './multimodal/modality.js';
export type { RegisteredPreprocessor, FittedPreprocessor, ModalityInfo } from './multimodal/preprocessor.js';
export type { RegisteredEncoder, EncoderContext, EncodedModality } from './multimodal/encoder.js';
export type { RegisteredFusion, FusionContext, FusionInput } from './multimodal/fusion.js';
export { getPreprocessor, findPreprocessor, listPreprocessors, defaultPreprocessor, PREPROCESSOR_NAMES } from './multimodal/preprocessors/registry.js';
export { getEncoder, findEncoder, listEncoders, ENCODER_NAMES } from './multimodal/encoders/registry.js';
export { getFusion, findFusion, listFusions, FUSION_NAMES } from './multimodal/fusions/registry.js';
export { buildFusedModel, buildAloneModel, encoderSeed, type FusedModelPlan, type AloneModelPlan, type ModalityPlan } from './multimodal/build-model.js';
export { prepareMultimodal, DEFAULT_ENCODERS, type PreparedData, type PreparedModality } from './multimodal/prepare.js';
export { missingTemplates, withModalityDropout, withoutModality, type MissingTemplate } from './multimodal/modality-masking.js';
export { MultimodalConfigSchema, ModalityConfigSchema, MissingConfigSchema, CoTrainingConfigSchema, CrossModalConfigSchema, AlignmentConfigSchema, type MultimodalConfig, type MultimodalConfigInput } from './multimodal/config.js';
export { runMultimodal, fusionLabels, type RunMultimodalOptions, type MultimodalRawData, type MultimodalEvent, type MultimodalPhase } from './multimodal/run-multimodal.js';
export type { MultimodalResult, MultimodalSeedResult, FusionSummary, ModalitySummary } from './multimodal/result.js';
export { summarizeMultimodal, multimodalMarkdown, multimodalText, multimodalVerdict, type MultimodalSummary, type FusedComparison } from './multimodal/multimodal-report.js';
export { predictLogits, accuracyOfLogits, meanLogits } from './multimodal/predict.js';
export { MultimodalDataConfigSchema, MULTIMODAL_DATASET_NAMES, type MultimodalDataConfig, type MultimodalDataConfigInput } from './data/multimodal/config.js';
export { twoViewNoisy, rotateImage, type TwoViewNoisy } from './data/multimodal/two-view-noisy.js';
export { imageDescriptions, zeroShotPrompts, IMAGE_DESCRIPTIONS_DEFINITION, IMAGE_DESCRIPTION_TEMPLATES } from './data/multimodal/image-descriptions.js';
export { healthcareSites, flatDataset, multimodalDataset } from './data/multimodal/healthcare-sites.js';
export { splitMessage, parseMime, headerValue, htmlToText, type RawMessage, type MimeContent } from './data/multimodal/email-parse.js';
export { runAlignment, AlignmentOptionsSchema, type RunAlignmentOptions, type ZeroShotPrompts } from './multimodal/alignment/run-alignment.js';
export type { AlignmentResult } from './multimodal/alignment/alignment-result.js';
export { alignmentReportMarkdown } from './multimodal/alignment/alignment-report.js';
export { getAlignmentLoss, findAlignmentLoss, listAlignmentLosses, ALIGNMENT_LOSS_NAMES } from './multimodal/alignment/registry.js';
export { retrievalScores } from './multimodal/alignment/retrieval.js';
export { zeroShotAccuracy, zeroShotPredict } from './multimodal/alignment/zero-shot.js';
export { fitLinearProbe, linearProbeAccuracy } from './multimodal/alignment/linear-probe.js';
export { buildTwoTowerModel } from './multimodal/alignment/two-tower.js';
export { runCoTraining, coTrainingMarkdown, runCrossModalMutual, crossModalMutualMarkdown, hideLabels, type CoTrainingResult, type CrossModalMutualResult } from './multimodal/teaching/index.js';
export { MultimodalTaskModelSpecSchema, buildMultimodalTaskModel } from './multimodal/federated/multimodal-model.js';
export { createStft, frameCount, type Stft, type StftOptions } from './multimodal/signal/stft.js';
export { createLogMel, type LogMelExtractor, type LogMelOptions } from './multimodal/signal/log-mel.js';
export { melFilterbank, hzToMel, melToHz } from './multimodal/signal/mel.js';
export { fitTokenizer, restoreTokenizer, listTokenizers, findTokenizer, TOKENIZER_NAMES } from './multimodal/text/tokenizers/registry.js';
export { PAD_ID, UNK_ID, TOKENIZER_KINDS, type Tokenizer, type TokenizerState, type TokenizerKind } from './multimodal/text/tokenizer.js';
export { checkVocabularyMatches, vocabularySignature, type VocabularySignature } from './multimodal/text/vocabulary-check.js';
export { textStateSignature } from './multimodal/preprocessors/text.js';
