/**
 * What the config reference documents: every config file mode with its schema, and the
 * registries whose entries take options beside their name; `generateConfigReference` reads the
 * doc comments from the sources and renders docs/config-reference.md.
 */
import { FederatedConfigSchema } from '../federated/config.js';
import { ClientRunConfigSchema } from '../federated/network/run-client.js';
import { FederatedHealthcareConfigSchema } from '../multimodal/federated/healthcare-config.js';
import { ALIGNMENT_LOSS_NAMES, findAlignmentLoss } from '../multimodal/alignment/registry.js';
import { ENCODER_NAMES, findEncoder } from '../multimodal/encoders/registry.js';
import { findFusion, FUSION_NAMES } from '../multimodal/fusions/registry.js';
import { findPreprocessor, PREPROCESSOR_NAMES } from '../multimodal/preprocessors/registry.js';
import { MultimodalConfigSchema } from '../multimodal/config.js';
import { ARCHITECTURE_NAMES, findArchitecture } from '../multitask/architectures/registry.js';
import { findWeighting, WEIGHTING_NAMES } from '../multitask/weightings/registry.js';
import { MultitaskConfigSchema } from '../multitask/config.js';
import { MutualConfigSchema } from '../mutual/config.js';
import { findMutualMethod, MUTUAL_METHOD_NAMES } from '../mutual/registry.js';
import { configReference, type ModeReference, type OptionsRegistry } from './config-reference.js';
import { fieldDoc, readSchemaDocs } from './schema-docs.js';

/** Every config file mode, in the reference's order. */
export const CONFIG_MODES: readonly ModeReference[] = [
  { mode: 'mutual', title: 'mutual learning: a cohort of models trained together, against the same models alone', commands: '`jointly run`', schema: MutualConfigSchema },
  { mode: 'multitask', title: 'multi-task learning: one model with a head per task, against one model per task', commands: '`jointly run`', schema: MultitaskConfigSchema },
  { mode: 'multimodal', title: 'multimodal learning: one encoder per modality and their fusion, against each modality alone', commands: '`jointly run`', schema: MultimodalConfigSchema },
  { mode: 'federated', title: 'federated learning: the task, the strategy, the rounds, the simulation, the server and its bounds', commands: '`jointly simulate`, `jointly server` and `jointly run`', schema: FederatedConfigSchema },
  { mode: 'client', title: 'one party of a networked federated run: where the server is, who the client is, where its data lives', commands: '`jointly client`', schema: ClientRunConfigSchema },
  { mode: 'federated-healthcare', title: 'the federated multimodal healthcare example: sites with partly missing modalities', commands: '`jointly simulate` and `jointly run`', schema: FederatedHealthcareConfigSchema },
];

/** Registries whose entries carry their own options beside their name. */
export const OPTION_REGISTRIES: readonly OptionsRegistry[] = [
  { kind: 'mutual-learning method', key: 'name', names: MUTUAL_METHOD_NAMES, find: findMutualMethod },
  { kind: 'architecture', key: 'name', names: ARCHITECTURE_NAMES, find: findArchitecture },
  { kind: 'weighting', key: 'name', names: WEIGHTING_NAMES, find: findWeighting },
  { kind: 'encoder', key: 'type', names: ENCODER_NAMES, find: findEncoder },
  { kind: 'preprocessor', key: 'name', names: PREPROCESSOR_NAMES, find: findPreprocessor },
  { kind: 'fusion', key: 'name', names: FUSION_NAMES, find: findFusion },
  { kind: 'alignment loss', key: 'name', names: ALIGNMENT_LOSS_NAMES, find: findAlignmentLoss },
];

/** The command that regenerates docs/config-reference.md (from the package root, after a build). */
export const REGENERATE_COMMAND = 'node dist/cli/config-reference-main.js > docs/config-reference.md';

/** The reference of every mode, with the doc comments of the sources under `srcDir`; `missing`: fields without one. */
export function generateConfigReference(srcDir: string): { markdown: string; missing: string[] } {
  const index = readSchemaDocs(srcDir);
  return configReference(CONFIG_MODES, { doc: (keys, key) => fieldDoc(index, keys, key), registries: OPTION_REGISTRIES, command: REGENERATE_COMMAND });
}
