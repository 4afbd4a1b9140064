/**
 * jointly-ml/node: the parts of jointly that need Node.js. Importing it adds the `native` backend
 * (OpenBLAS + oneDNN, loaded only when selected) and `tensorflow` (@tensorflow/tfjs-node, when
 * installed) to `selectBackend`. It reads data files and built-in datasets, saves and loads
 * models, writes run folders, and runs federated learning for real: the worker-thread
 * simulation, the WebSocket server and client, tokens and checkpoints. The browser-safe core is
 * `jointly-ml`; federated learning's strategies and protocol are `jointly-ml/federated`.
 */
export { nativeUnavailableReason } from './engine/backend.js';
export { NATIVE_FIX } from './engine/native/addon.js';
export {
  saveModel,
  loadModel,
  loadNamedModel,
  loadSavedModel,
  saveModelArtifacts,
  folderModelStore,
  evaluateSavedModel,
  EVALUATION_DATASETS,
  type EvaluateSavedModelOptions,
  type SavedModelEvaluation,
} from './engine/model-io.js';
export { predictSavedModel, type PredictSavedModelOptions } from './engine/predict-saved-model.js';
export { loadModelInput, type ModelInput, type ModelInputOptions } from './data/files/model-input.js';
export { nodeIo } from './engine/node-io.js';

export { loadMnist } from './data/files/mnist.js';
export { loadFashionMnist, DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_CLASS_NAMES } from './data/files/fashion-mnist.js';
export { loadCsv, loadJsonl, readIdxFile, loadIdxPair } from './data/files/tabular-files.js';
export { loadRawData, loadExperimentData, type RawDataCache } from './data/files/load.js';
export { readDataFile } from './data/files/read-data-file.js';

export { runMutualExperiment, type ExperimentOptions, type ExperimentResult } from './mutual/experiment.js';
export { runMultitaskExperiment, loadConfigData, type MultitaskExperimentOptions, type MultitaskExperimentResult } from './multitask/experiment.js';
export { loadMultitaskData } from './data/multitask/load.js';
export { createRunFolder, openRunFolder, type RunFolder } from './report/run-folder.js';

export { FederatedConfigSchema, type FederatedConfig, type FederatedConfigInput } from './federated/config.js';
export { runSimulation, type SimulationOptions, type SimulationResult, type SimulationEvent } from './federated/simulation/run-simulation.js';
export { runServer, type ServerRunOptions, type ServerRunResult } from './federated/network/run-server.js';
export { FederatedServer, type ServerOptions } from './federated/network/server.js';
export { runClient, ClientRunConfigSchema, type ClientRunConfig, type ClientRunOptions } from './federated/network/run-client.js';
export { FederatedClient, type ClientOptions, type ClientExit } from './federated/network/client.js';
export { Coordinator, type CoordinatorOptions, type CoordinatorResult, type RoundRecord, type ClientRecord } from './federated/server/coordinator.js';
export { loadTokenFile, saveTokenFile, addClient, revokeClient, emptyTokenFile, generateToken, type TokenFile } from './federated/auth/tokens.js';
export { encodeCheckpoint, decodeCheckpoint, readCheckpointFile, writeCheckpointFile, type CheckpointContents } from './federated/server/checkpoint-file.js';

export { federationConfig, type FederationDefinition } from './federated/api/federation.js';
export { simulateFederation, type SimulateFederationOptions } from './federated/api/simulate-federation.js';
export { serveFederation, type ServeFederationOptions } from './federated/api/serve-federation.js';
export { joinFederation, type JoinFederationOptions } from './federated/api/join-federation.js';
export { loadEvaluationData, type EvaluationData } from './data/files/load.js';
export { packageVersion } from './package-version.js';

export { main } from './cli/main.js';
export { runMultimodalExperiment, loadConfigData as loadMultimodalConfigData, lossCurvesSvg, type MultimodalExperimentOptions, type MultimodalExperimentResult } from './multimodal/experiment.js';
export { loadMultimodalData, limitSamples, type MultimodalData } from './data/multimodal/load.js';
export { saveMultimodalModel, loadMultimodalModel, predictMultimodal, type LoadedMultimodalModel } from './multimodal/saved-model.js';
export { loadSpamAssassin, SPAM_ASSASSIN_REMOVED_HEADERS, type SpamAssassinOptions } from './data/multimodal/spam-assassin.js';
export { loadImageDescriptions } from './data/multimodal/image-descriptions-load.js';
export { loadManifest, loadManifestSplits, ManifestConfigSchema } from './data/multimodal/manifest.js';
export { decodePng } from './data/multimodal/png.js';
export { runHealthcareExample } from './multimodal/federated/run-healthcare.js';
export { FederatedHealthcareConfigSchema } from './multimodal/federated/healthcare-config.js';
