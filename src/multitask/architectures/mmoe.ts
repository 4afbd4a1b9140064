/**
 * Multi-gate Mixture-of-Experts (Ma et al., KDD 2018; LibMTL's MMoE.py): E experts, each a copy
 * of the trunk spec's body with its own weights (part `expert/<e>`), shared by all tasks; per
 * task a softmax gate on the flattened input (part `gate/<task>`) mixes the experts (eq. 5-6),
 * and the task's head reads its mixture. No single shared representation.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { ArchitectureBuild, MultiTaskModel, RegisteredArchitecture } from '../architecture.js';
import { checkBuild, modelInput, trunkSpec } from './build-checks.js';
import { buildExpert, flatten, mixture, softmaxGate } from './experts.js';
import { buildHeads } from './heads.js';

export const MmoeOptionsSchema = z
  .object({
    /**
     * Number of shared experts E. Default 4 (LibMTL's `num_experts` has no default; the paper
     * varies it, e.g. 8 experts on its synthetic data).
     */
    experts: z.number().int().min(1).max(64).default(4),
  })
  .strict();
export type MmoeOptions = z.infer<typeof MmoeOptionsSchema>;

/** MMoE: shared experts, one softmax gate per task. */
export const mmoe: RegisteredArchitecture<MmoeOptions> = {
  name: 'mmoe',
  summary: 'shared experts, one softmax gate per task mixing them',
  reference: 'Ma et al., KDD 2018',
  representation: false,
  trunks: ['mlp', 'cnn'],
  options: MmoeOptionsSchema,
  optionNames: Object.keys(MmoeOptionsSchema.shape),
  build(options: MmoeOptions, build: ArchitectureBuild): MultiTaskModel {
    checkBuild(mmoe, build);
    const spec = trunkSpec(build);
    const input = modelInput(build);
    const experts = Array.from({ length: options.experts }, (_, e) => buildExpert(spec, input, build, `expert/${e}`));
    const flat = flatten(input, `${build.name}/input_flatten`);
    const mixtures = build.heads.map((head) => {
      const gate = softmaxGate(flat, [{ key: 'experts', size: options.experts }], build, `gate/${head.task}`, spec.init);
      return mixture(gate, experts, build, `mix/${head.task}`);
    });
    const outputs = buildHeads(mixtures, build.heads, build);
    return { model: tfl.model({ inputs: input, outputs, name: build.name }) };
  },
};
