/**
 * jointly: joint learning for TypeScript. The library API: the engine (backends, models,
 * training loop, evaluation, flat parameters), data loaders, the mutual-learning mode and the
 * joint-versus-alone report.
 */
export * from './errors.js';

export { selectBackend, BACKEND_NAMES, type BackendChoice, type BackendName } from './engine/backend.js';
export { registerWasmTrainingKernels } from './engine/wasm-kernels/register.js';
export { buildModel, forwardMacs, ModelSpecSchema, type ModelSpec, type ModelSpecInput, type BuildModelOptions } from './engine/model-spec.js';
export { createModel, MemberModelSpecSchema, SavedModelSpecSchema, type MemberModelSpec, type MemberModelSpecInput } from './engine/model-source.js';
export { createOptimizer, OptimizerSpecSchema, type OptimizerSpec, type OptimizerSpecInput } from './engine/optimizer.js';
export { createMember, checkMemberShapes, forward, trainableVariables, type Member, type MemberOptions } from './engine/member.js';
export { datasetSource, type Batch, type BatchSource } from './engine/batch.js';
export type { Objective, StepContext } from './engine/objective.js';
export { trainStep, type StepOptions, type StepLosses, type Gradients, type GradientCombiner } from './engine/train-step.js';
export { train, type TrainOptions, type TrainProgress, type EpochRecord } from './engine/trainer.js';
export { evaluate, type Evaluation, type EvaluateOptions, type Scores } from './engine/evaluate.js';
export { crossEntropy, perSampleCrossEntropy, distillationKl, stopGradient } from './engine/losses.js';
export { paramLayout, readParams, writeParams, type ParamEntry, type ParamOptions } from './engine/flat-params.js';
export { saveModel, loadModel } from './engine/model-io.js';
export { createRng, deriveSeed, permutation, type Rng } from './engine/random.js';
export { SeededDropout } from './engine/layers/seeded-dropout.js';

export { makeDataset, subset, datasetLength, type Dataset } from './data/dataset.js';
export { loadMnist } from './data/mnist.js';
export { loadFashionMnist, DEFAULT_FASHION_MNIST_DIR } from './data/fashion-mnist.js';
export { parseIdx, readIdxFile, loadIdxPair } from './data/idx.js';
export { parseCsv, loadCsv, type CsvOptions } from './data/csv.js';
export { parseJsonl, loadJsonl, type JsonlOptions } from './data/jsonl.js';
export { splitDataset } from './data/split.js';
export { addLabelNoise, type LabelNoiseOptions } from './data/label-noise.js';
export { limitLabels } from './data/limit-labels.js';
export { loadExperimentData, type ExperimentData } from './data/load.js';
export { DataConfigSchema, type DataConfig, type DataConfigInput } from './data/config.js';

export type { MutualMethod, MethodContext, JointSetup } from './mutual/method.js';
export { getMutualMethod, listMutualMethods, MUTUAL_METHOD_NAMES, type RegisteredMethod } from './mutual/registry.js';
export { independentObjective } from './mutual/methods/independent.js';
export { MutualConfigSchema, type MutualConfig, type MutualConfigInput } from './mutual/config.js';
export { runMutual, type MutualResult, type MutualEvent, type SeedResult, type RunMutualOptions } from './mutual/run-mutual.js';
export { runMutualExperiment, type ExperimentOptions, type ExperimentResult } from './mutual/experiment.js';

export { compareJointAlone, comparisonMarkdown, comparisonText, verdict, type Comparison, type ComparisonRow, type SeedScores } from './report/joint-vs-alone.js';
export { summarize, type Summary } from './report/stats.js';
export { lineChartSvg, type Series, type ChartOptions } from './report/line-chart-svg.js';
