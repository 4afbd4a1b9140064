/**
 * A federation defined in code: the global model (a built-in spec or any tfjs layers model),
 * the strategy (a preset name or parts), the local optimizer, rounds and sampling. The same
 * definition runs as a simulation (`simulateFederation`) or is served to real clients
 * (`serveFederation`); `federationConfig` turns it into the validated config the runtimes read.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { readParams } from '../../engine/flat-params.js';
import { ConfigError } from '../../errors.js';
import { FederatedConfigSchema, type FederatedConfig, type FederatedConfigInput } from '../config.js';
import { layersTaskModel } from '../task.js';

/** What a federation is made of. Every field but `model` has the config's default. */
export interface FederationDefinition {
  /**
   * The global model: a built-in spec such as `{ type: 'mlp', hidden: [64] }`, or any tfjs layers
   * model (tf.sequential or tf.model) with one input and one output, whose current weights are
   * the initial global model. Every client rebuilds it from its layer configuration.
   */
  model: FederatedConfigInput['model'] | tfl.LayersModel;
  /** A preset (`{ name: 'fedavg' }`, ...) or a strategy from parts. Default FedAvg. */
  strategy?: FederatedConfigInput['strategy'];
  /** Every client's local optimizer, fresh each round. Default SGD, lr 0.01, momentum 0.9. */
  optimizer?: FederatedConfigInput['optimizer'];
  /** Rounds in total. Default 10. */
  rounds?: number;
  /** Seed of the initial model (built-in specs), the sampling and every client's shuffling. Default 0. */
  seed?: number;
  /** Run name (run folder, logs). Default `federated`. */
  name?: string;
  /** Clients per round, deadlines, federated evaluation. Defaults: see the config's `sampling`. */
  sampling?: FederatedConfigInput['sampling'];
  /** Class names in index order, when the labels are text and a party may lack a class. */
  classes?: string[];
  /** Tensor backend. Default `auto`. */
  backend?: FederatedConfigInput['backend'];
}

/** The validated config of a definition (plus runtime sections), and the tfjs model's weights as initial parameters. */
export function federationConfig(def: FederationDefinition, extra: Partial<FederatedConfigInput> = {}): { config: FederatedConfig; initialParams?: Float32Array } {
  const layers = def.model instanceof tfl.LayersModel ? def.model : undefined;
  const model = layers === undefined ? (def.model as FederatedConfigInput['model']) : layersTaskModel(layers);
  const input: FederatedConfigInput = {
    ...extra,
    mode: 'federated',
    model,
    ...(def.strategy === undefined ? {} : { strategy: def.strategy }),
    ...(def.optimizer === undefined ? {} : { optimizer: def.optimizer }),
    ...(def.rounds === undefined ? {} : { rounds: def.rounds }),
    ...(def.seed === undefined ? {} : { seed: def.seed }),
    ...(def.name === undefined ? {} : { name: def.name }),
    ...(def.sampling === undefined ? {} : { sampling: def.sampling }),
    ...(def.backend === undefined ? {} : { backend: def.backend }),
    data: { ...(extra.data ?? {}), ...(def.classes === undefined ? {} : { classes: def.classes }) },
  };
  const parsed = FederatedConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue.path.map(String).join('.'), issue.message, 'see the documented fields of FederationDefinition and the federated config');
  }
  const config = parsed.data;
  return layers === undefined ? { config } : { config, initialParams: readParams(layers) };
}
