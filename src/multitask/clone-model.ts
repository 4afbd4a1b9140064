/**
 * A copy of a user's tfjs model with its own variables and the same weights: the multi-task model
 * and every single-task baseline get their own copy of a user's trunk, all starting from the
 * trunk's weights as the user built (or trained) it.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors.js';

/** Rebuilds `model` from its configuration and copies its weights into the copy. */
export function cloneLayersModel(model: tfl.LayersModel, name: string): tfl.LayersModel {
  const className = model.getClassName();
  const cls = className === 'Sequential' ? tfl.Sequential : tfl.LayersModel;
  if (className !== 'Sequential' && className !== 'Model') throw new ConfigError('trunk', `a ${className} cannot be used as a trunk`, 'pass a tfjs layers model made by tfl.sequential or tfl.model');
  let copy: tfl.LayersModel;
  try {
    // getConfig() is plain JSON, the form fromConfig reads back; fromConfig takes the layers out of the object it gets: hand it a copy.
    const config = { ...(JSON.parse(JSON.stringify(model.getConfig())) as Record<string, unknown>), name } as Parameters<typeof cls.fromConfig>[1];
    copy = cls.fromConfig(cls, config) as tfl.LayersModel;
  } catch (err) {
    throw new ConfigError('trunk', `the trunk model cannot be rebuilt from its configuration: ${(err as Error).message}`, 'build the trunk from layers built into tfjs-layers (or register custom layers for serialization)');
  }
  copy.setWeights(model.getWeights());
  return copy;
}
