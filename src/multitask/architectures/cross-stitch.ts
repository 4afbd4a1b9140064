/**
 * Cross-stitch networks (Misra et al., CVPR 2016): one column per task, each a copy of the trunk
 * spec's body with its own weights (part `column/<task>`, built stage by stage in buildBody's
 * order, see body-layers.ts), and after every stage (a cnn's conv blocks, after their pool, and
 * every hidden dense layer; the paper puts units after the pooling and fully connected layers) a
 * cross-stitch unit mixes the columns' activations with a learned K×K matrix (eq. 1;
 * cross-stitch-unit.ts, named `${name}/cross-stitch/<stage>`). Task t's head reads column t.
 * With one task there is nothing to mix and no unit: the model is a plain column, the single-task
 * network of the paper's baselines. The paper also trains the α with a larger learning rate
 * (×10²–10³); jointly trains them with the model's optimizer.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { LayerContext } from '../../engine/model-spec.js';
import type { ArchitectureBuild, MultiTaskModel, RegisteredArchitecture } from '../architecture.js';
import { convBlockStage, checkCnnInput, denseStage, denseWidths, flattenStage } from './body-layers.js';
import { checkBuild, modelInput, trunkSpec } from './build-checks.js';
import { CrossStitchUnit } from './cross-stitch-unit.js';
import { partContext } from './experts.js';
import { buildHeads } from './heads.js';

export const CrossStitchOptionsSchema = z
  .object({
    /** Initial weight of a column on itself, α_same in [0, 1]; the other columns share 1 − α_same. Default 0.9 (the paper's section 5.2). */
    alphaSame: z.number().min(0).max(1).default(0.9),
  })
  .strict();
export type CrossStitchOptions = z.infer<typeof CrossStitchOptionsSchema>;

/** Cross-stitch: a column per task, learned linear mixing between columns after each stage. */
export const crossStitch: RegisteredArchitecture<CrossStitchOptions> = {
  name: 'cross-stitch',
  summary: 'one column per task, learned linear mixing between the columns after each layer',
  reference: 'Misra et al., CVPR 2016',
  representation: false,
  trunks: ['mlp', 'cnn'],
  options: CrossStitchOptionsSchema,
  optionNames: Object.keys(CrossStitchOptionsSchema.shape),
  build(options: CrossStitchOptions, build: ArchitectureBuild): MultiTaskModel {
    checkBuild(crossStitch, build);
    const spec = trunkSpec(build);
    const input = modelInput(build);
    const contexts: LayerContext[] = build.heads.map((h) => partContext(build, `column/${h.task}`, spec.init));
    let columns = build.heads.map(() => input);
    let stage = 0;
    const stitch = (): void => {
      if (columns.length > 1) {
        const unit = new CrossStitchUnit({ columns: columns.length, same: options.alphaSame, name: `${build.name}/cross-stitch/${stage}` });
        columns = unit.apply(columns) as tfl.SymbolicTensor[];
      }
      stage++;
    };
    if (spec.type === 'cnn') {
      checkCnnInput(spec, build.inputShape);
      for (const block of spec.conv) {
        columns = columns.map((h, t) => convBlockStage(spec, block, h, contexts[t]).out);
        stitch();
      }
    }
    columns = columns.map((h, t) => flattenStage(h, contexts[t]));
    for (const units of denseWidths(spec)) {
      columns = columns.map((h, t) => denseStage(spec, units, h, contexts[t]));
      stitch();
    }
    const outputs = buildHeads(columns, build.heads, build);
    return { model: tfl.model({ inputs: input, outputs, name: build.name }) };
  },
};
