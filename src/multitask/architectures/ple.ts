/**
 * Progressive Layered Extraction (Tang et al., RecSys 2020, section 4.3 and Figure 5): `levels`
 * extraction networks stacked. At each level there are shared experts and each task's own
 * experts; task t's gate, on t's input to that level, mixes the shared experts and t's own, and
 * that mixture is t's input to the next level (after the last, t's head reads it). At every level
 * but the last a shared gate, on the shared input to that level, mixes all experts (shared and
 * every task's) into the next level's shared input (eq. 6-7: g^{k,s}). Level 1 reads the model's
 * input everywhere.
 *
 * Experts on an `mlp`/`cnn` spec: at level 1 an expert is the whole body of the trunk spec (for a
 * cnn: its conv blocks, flatten and dense layers); at later levels an expert is one dense layer of
 * `levelUnits` (default: the width of a level-1 expert's output) with the spec's activation,
 * batch norm and dropout. (The paper's experts are small MLPs at every level; LibMTL's PLE.py
 * instead cuts a ResNet into its stages, one per level, and has no shared gate: its shared experts
 * at a level read each task's mixture in turn. We follow the paper.)
 *
 * Seeds: level 1 uses CGC's labels (`expert/shared/<e>`, `expert/<task>/<e>`, `gate/<task>`), so
 * `levels: 1` is exactly CGC; later levels prefix them with `level/<l>/` (l from 1); the shared
 * gate of level l is `gate/shared` (l = 0) or `level/<l>/gate/shared`, built as one dense layer
 * per expert group (see `softmaxGate` in experts.ts) so a single-task build has the same initial
 * gate weights for the groups it has.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { lastWidth, type ModelSpec } from '../../engine/model-spec.js';
import type { ArchitectureBuild, MultiTaskModel, RegisteredArchitecture } from '../architecture.js';
import { checkBuild, modelInput, refuseSharedTask, trunkSpec } from './build-checks.js';
import { buildExpert, flatten, mixture, softmaxGate } from './experts.js';
import { buildHeads } from './heads.js';

export const PleOptionsSchema = z
  .object({
    /** Number of extraction levels; 1 is CGC. Default 2. */
    levels: z.number().int().min(1).max(8).default(2),
    /** Experts shared by all tasks at each level. Default 1. */
    sharedExperts: z.number().int().min(1).max(64).default(1),
    /** Each task's own experts at each level. Default 1. */
    taskExperts: z.number().int().min(0).max(64).default(1),
    /** Width of the dense experts of levels 2 and up. Default: the width of a level-1 expert's output. */
    levelUnits: z.number().int().positive().optional(),
  })
  .strict();
export type PleOptions = z.infer<typeof PleOptionsSchema>;

/** The part label of `part` at level `l`: CGC's labels at level 0, `level/<l>/...` after. */
function at(l: number, part: string): string {
  return l === 0 ? part : `level/${l}/${part}`;
}

/** PLE: progressive layers of shared and task-specific experts. */
export const ple: RegisteredArchitecture<PleOptions> = {
  name: 'ple',
  summary: 'progressive layers of shared and task-specific experts with gates',
  reference: 'Tang et al., RecSys 2020',
  representation: false,
  trunks: ['mlp', 'cnn'],
  options: PleOptionsSchema,
  optionNames: Object.keys(PleOptionsSchema.shape),
  build(options: PleOptions, build: ArchitectureBuild): MultiTaskModel {
    checkBuild(ple, build);
    refuseSharedTask('ple', build);
    const spec = trunkSpec(build);
    const input = modelInput(build);
    const flatInput = flatten(input, `${build.name}/input_flatten`);
    let levelSpec: ModelSpec = spec;
    // Each level's inputs: raw for the experts (level 0 reads the image itself), flat for the gates.
    let sharedIn = { experts: input, gate: flatInput };
    let taskIn = build.heads.map(() => ({ experts: input, gate: flatInput }));
    for (let l = 0; l < options.levels; l++) {
      const expertsOf = (owner: string, count: number, from: tfl.SymbolicTensor): tfl.SymbolicTensor[] =>
        Array.from({ length: count }, (_, e) => buildExpert(levelSpec, from, build, at(l, `expert/${owner}/${e}`)));
      const shared = expertsOf('shared', options.sharedExperts, sharedIn.experts);
      const own = build.heads.map((head, t) => expertsOf(head.task, options.taskExperts, taskIn[t].experts));
      const nextTask = build.heads.map((head, t) => {
        const experts = [...shared, ...own[t]];
        const gate = softmaxGate(taskIn[t].gate, [{ key: 'experts', size: experts.length }], build, at(l, `gate/${head.task}`), spec.init);
        const mixed = mixture(gate, experts, build, at(l, `mix/${head.task}`));
        return { experts: mixed, gate: mixed };
      });
      if (l < options.levels - 1) {
        const groups = [{ key: 'shared', size: shared.length }, ...build.heads.map((h, t) => ({ key: h.task, size: own[t].length }))];
        const gate = softmaxGate(sharedIn.gate, groups, build, at(l, 'gate/shared'), spec.init);
        const mixed = mixture(gate, [...shared, ...own.flat()], build, at(l, 'mix/shared'));
        sharedIn = { experts: mixed, gate: mixed };
        if (l === 0) {
          const units = options.levelUnits ?? lastWidth(shared[0]);
          levelSpec = { type: 'mlp', hidden: [units], activation: spec.activation, dropout: spec.dropout, batchNorm: spec.batchNorm, init: spec.init };
        }
      }
      taskIn = nextTask;
    }
    const outputs = buildHeads(
      taskIn.map((t) => t.experts),
      build.heads,
      build,
    );
    return { model: tfl.model({ inputs: input, outputs, name: build.name }) };
  },
};
