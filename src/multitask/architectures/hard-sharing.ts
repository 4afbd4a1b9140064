/**
 * Hard parameter sharing (Caruana 1997; LibMTL's HPS.py): one shared trunk, the body of an
 * `mlp`/`cnn` spec (weights from `deriveSeed(seed, 'trunk')`, layers `${name}/trunk/...`) or a
 * user's tfjs model applied to the input, gives one representation that every task's head reads.
 * With `withRepresentation`, that representation (flattened) is the model's last output.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { buildBody } from '../../engine/model-spec.js';
import type { ArchitectureBuild, MultiTaskModel, RegisteredArchitecture } from '../architecture.js';
import { checkBuild, modelInput } from './build-checks.js';
import { flatten, partContext } from './experts.js';
import { buildHeads } from './heads.js';

/** Hard sharing has no options. */
export const HardSharingOptionsSchema = z.object({}).strict();
export type HardSharingOptions = z.infer<typeof HardSharingOptionsSchema>;

/** The shared trunk's output on `input`. */
function trunkOutput(build: ArchitectureBuild, input: tfl.SymbolicTensor): tfl.SymbolicTensor {
  if (build.trunk instanceof tfl.LayersModel) {
    const out = build.trunk.apply(input);
    if (Array.isArray(out)) throw new ConfigError('trunk', `the trunk model has ${out.length} outputs`, 'give a tfjs model with one output (the features)');
    return out as tfl.SymbolicTensor;
  }
  return buildBody(build.trunk, input, partContext(build, 'trunk', build.trunk.init));
}

/** Hard parameter sharing: a shared trunk and one head per task. */
export const hardSharing: RegisteredArchitecture<HardSharingOptions> = {
  name: 'hard-sharing',
  summary: 'one shared trunk, one head per task',
  reference: 'Caruana, Machine Learning 1997',
  representation: true,
  trunks: ['mlp', 'cnn', 'model'],
  options: HardSharingOptionsSchema,
  optionNames: Object.keys(HardSharingOptionsSchema.shape),
  build(_options: HardSharingOptions, build: ArchitectureBuild): MultiTaskModel {
    checkBuild(hardSharing, build);
    const input = modelInput(build);
    const representation = flatten(trunkOutput(build, input), `${build.name}/trunk/flatten_out`);
    const outputs = buildHeads(build.heads.map(() => representation), build.heads, build);
    if (build.withRepresentation) outputs.push(representation);
    return { model: tfl.model({ inputs: input, outputs, name: build.name }) };
  },
};
