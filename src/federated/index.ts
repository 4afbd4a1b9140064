/**
 * jointly-ml/federated: federated learning's browser-safe parts. Strategies (configure a round,
 * aggregate its replies) and their math as pure functions over Float32Arrays, partitions of a
 * labelled dataset over clients, attacks for robustness tests, the wire protocol's codec, the
 * federated task, and a client session that speaks the protocol without knowing the transport.
 * The WebSocket server and client, the worker-thread simulation and checkpoints are Node parts:
 * see `jointly-ml/node`.
 */
export type { Strategy, RoundContext, FitInstructions, FitReply, FitFailure, AggregateResult, StrategyState, Vectors, RoundConfig, ConfigValue } from './strategy.js';
export { createStrategy, listStrategies, STRATEGY_NAMES, AGGREGATORS, SERVER_OPTIMIZERS, CLIENT_ALGORITHMS, type RegisteredStrategy } from './strategies/registry.js';
export {
  StrategySpecSchema,
  ComposedStrategySpecSchema,
  PresetSpecSchema,
  strategyName,
  type StrategySpec,
  type StrategySpecInput,
  type ComposedStrategySpec,
  type ComposedStrategySpecInput,
  type StrategyOptions,
} from './strategies/options.js';
export { ComposedStrategy, type ComposedStrategyNaming } from './strategies/composed.js';
export type { Aggregator, Aggregate, AggregatorInput, AggregatorOutput, MinimumReplies, SumAggregator, WeightedSum } from './strategies/aggregators/aggregator.js';
export { AggregatorSpecSchema, type AggregatorSpec, type AggregatorSpecInput } from './strategies/aggregators/options.js';
export type { ServerOptimizer, ServerStep } from './strategies/server-optimizers/server-optimizer.js';
export { ServerOptimizerSpecSchema, type ServerOptimizerSpec, type ServerOptimizerSpecInput } from './strategies/server-optimizers/options.js';
export type { ClientAlgorithm, ClientHalf, ServerHalf, ClientRound, ClientRoundInput, ClientRoundEnd, TrainableSlice } from './client/algorithms/algorithm.js';
export { ClientAlgorithmSpecSchema, type ClientAlgorithmSpec, type ClientAlgorithmSpecInput } from './client/algorithms/options.js';
export { FedAvg } from './strategies/fedavg.js';
export { FedAvgM } from './strategies/fedavgm.js';
export { FedProx } from './strategies/fedprox.js';
export { FedOpt } from './strategies/fedopt.js';
export { FedAdam } from './strategies/fedadam.js';
export { FedYogi } from './strategies/fedyogi.js';
export { FedAdagrad } from './strategies/fedadagrad.js';
export { Scaffold } from './strategies/scaffold.js';
export { FedMedian } from './strategies/fedmedian.js';
export { FedTrimmedAvg } from './strategies/fedtrimmedavg.js';
export { Krum } from './strategies/krum.js';
export { MultiKrum } from './strategies/multikrum.js';
export { Bulyan } from './strategies/bulyan.js';

export { weightedMean, mean } from './aggregate/weighted-mean.js';
export { coordinateMedian } from './aggregate/coordinate-median.js';
export { trimmedMean, trimCount, type TrimmedMeanOptions } from './aggregate/trimmed-mean.js';
export { krumScores, krumSelect, krumMinVectors, pairwiseSquaredDistances, type KrumOptions, type KrumSelectOptions, type KrumSelection } from './aggregate/krum.js';
export { bulyan, bulyanMinVectors, type BulyanOptions, type BulyanResult } from './aggregate/bulyan.js';
export { serverMomentumStep, type ServerMomentumInput, type ServerMomentumOutput } from './aggregate/server-momentum.js';
export { adaptiveStep, effectiveLearningRate, type AdaptiveInput, type AdaptiveOutput, type AdaptiveRule } from './aggregate/adaptive.js';
export { scaffoldStep, controlVariateStep, type ScaffoldInput, type ScaffoldOutput, type ControlVariateInput } from './aggregate/scaffold.js';
export { weightedUpdateSum, type WeightedUpdateSum } from './aggregate/weighted-mean.js';
export { stepTowards, stepByUpdateSum } from './aggregate/server-step.js';
export { assertSameLength, difference, norm, squaredDistance, distance } from './aggregate/vectors.js';

export { partitionLabels, parsePartitionSpec, listPartitionMethods, PARTITION_METHOD_NAMES, type PartitionOptions, type PartitionMethodInfo } from './partition/registry.js';
export { PartitionSpecSchema, type PartitionSpec, type PartitionSpecInput } from './partition/partition.js';
export { labelHistograms, summarizeHistograms, renderHistogramTable, type PartitionSummary } from './partition/histogram.js';

export { createAttack, listAttacks, parseAttackSpec, ATTACK_TYPES, type AttackInfo } from './attacks/registry.js';
export type { Attack, AttackSpec } from './attacks/attack.js';

export * from './protocol/index.js';
export {
  FederatedTaskSchema,
  TaskModelSpecSchema,
  LayersModelSpecSchema,
  buildTaskModel,
  layersTaskModel,
  taskSchema,
  checkModelFits,
  taskLayout,
  layoutSize,
  type FederatedTask,
  type FederatedTaskInput,
  type TaskModelSpec,
  type TensorLayout,
} from './task.js';
export { ClientTrainConfigSchema, parseClientTrainConfig, EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL, type ClientTrainConfig, type ParsedClientTrainConfig } from './client-config.js';
export { LocalTrainer, type LocalFitInput, type LocalFitResult, type LocalFitTiming } from './client/local-trainer.js';
// Where client updates' time goes, in training and outside it (the simulation measures it; pure sums).
export { updateOverhead, sumOverheads, overheadText, OVERHEAD_PARTS, type UpdateOverhead, type UpdateTiming, type OverheadParts } from './server/update-overhead.js';
export { ClientSession, type ClientSessionOptions, type SessionOutcome } from './client/session.js';
export { sampleClients, type SampleOptions } from './server/sample-clients.js';
export { clientIdSchema, CLIENT_ID_PATTERN } from './auth/client-id.js';
export { summarizeFederated, federatedTable, federatedVerdict, federatedMarkdown, accuracySvg, type FederatedReportInput, type FederatedSummary } from './federated-report.js';
// Privacy accounting (pure): RDP of the sampled Gaussian mechanism and its (ε, δ).
export { emptyLedger, spend, ledgerEpsilon, dpSgdEpsilon, type PrivacyLedger, type GaussianSteps, type DpSgdRun } from './privacy/accountant.js';
export { rdpSampledGaussian } from './privacy/rdp-sampled-gaussian.js';
export { epsilonFromRdp, epsilonFromRdpClassic, type EpsilonAtDelta } from './privacy/rdp-to-epsilon.js';
export { DEFAULT_RDP_ORDERS, TF_PRIVACY_DP_SGD_ORDERS } from './privacy/rdp-orders.js';
// Update compression (pure codecs) and SecAgg+ (browser-safe state machines).
export { createCodec, decodeUpdate, encodeWithErrorFeedback, compressionSummary, type UpdateCodec, type EncodedUpdate, type CodecName } from './compression/index.js';
export { SecAggClient, SecAggServer, createSecAggSetup, runInProcessRound, neighboursForDropout } from './secagg/index.js';
