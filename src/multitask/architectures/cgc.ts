/**
 * Customized Gate Control (Tang et al., RecSys 2020, section 4.2: the single-level PLE; LibMTL's
 * CGC.py): shared experts (parts `expert/shared/<e>`) and each task's own experts (parts
 * `expert/<task>/<e>`), all copies of the trunk spec's body; task t's softmax gate on the
 * flattened input (part `gate/<task>`) mixes the shared experts then its own (LibMTL's order),
 * and t's head reads that mixture. LibMTL's `num_experts` list [shared, task 1, task 2, ...] is
 * here `sharedExperts` and one `taskExperts` for every task.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { ArchitectureBuild, MultiTaskModel, RegisteredArchitecture } from '../architecture.js';
import { checkBuild, modelInput, refuseSharedTask, trunkSpec } from './build-checks.js';
import { buildExpert, flatten, mixture, softmaxGate } from './experts.js';
import { buildHeads } from './heads.js';

export const CgcOptionsSchema = z
  .object({
    /** Experts shared by all tasks. Default 1. */
    sharedExperts: z.number().int().min(1).max(64).default(1),
    /** Experts of each task's own. Default 1. */
    taskExperts: z.number().int().min(0).max(64).default(1),
  })
  .strict();
export type CgcOptions = z.infer<typeof CgcOptionsSchema>;

/** CGC: shared and task-specific experts, one gate per task. */
export const cgc: RegisteredArchitecture<CgcOptions> = {
  name: 'cgc',
  summary: 'shared and task-specific experts, one gate per task (single-level PLE)',
  reference: 'Tang et al., RecSys 2020',
  representation: false,
  trunks: ['mlp', 'cnn'],
  options: CgcOptionsSchema,
  optionNames: Object.keys(CgcOptionsSchema.shape),
  build(options: CgcOptions, build: ArchitectureBuild): MultiTaskModel {
    checkBuild(cgc, build);
    refuseSharedTask('cgc', build);
    const spec = trunkSpec(build);
    const input = modelInput(build);
    const shared = Array.from({ length: options.sharedExperts }, (_, e) => buildExpert(spec, input, build, `expert/shared/${e}`));
    const flat = flatten(input, `${build.name}/input_flatten`);
    const mixtures = build.heads.map((head) => {
      const own = Array.from({ length: options.taskExperts }, (_, e) => buildExpert(spec, input, build, `expert/${head.task}/${e}`));
      const experts = [...shared, ...own];
      const gate = softmaxGate(flat, [{ key: 'experts', size: experts.length }], build, `gate/${head.task}`, spec.init);
      return mixture(gate, experts, build, `mix/${head.task}`);
    });
    const outputs = buildHeads(mixtures, build.heads, build);
    return { model: tfl.model({ inputs: input, outputs, name: build.name }) };
  },
};
