/**
 * Checks of an architecture build before any layer is made: the heads (at least one, distinct
 * task names usable in tfjs layer names, positive units), the trunk kind the architecture
 * accepts, and whether it can output a shared representation.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../../errors.js';
import type { ModelSpec } from '../../engine/model-spec.js';
import type { ArchitectureBuild, RegisteredArchitecture } from '../architecture.js';

/** What kind of trunk a build carries. */
export type TrunkKind = 'mlp' | 'cnn' | 'model';

/** Architectures that accept a user's tfjs model as trunk (kept equal to the registry's by a test). */
export const MODEL_TRUNK_ARCHITECTURES: readonly string[] = ['hard-sharing'];
/** Architectures that accept an mlp trunk (kept equal to the registry's by a test). */
export const MLP_TRUNK_ARCHITECTURES: readonly string[] = ['hard-sharing', 'mmoe', 'cgc', 'ple', 'cross-stitch'];

/** tfjs-layers' rule for layer and weight names (tfjs-layers/src/common.ts). */
const TFJS_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

/** The kind of a trunk: a tfjs model, or the type of an mlp/cnn spec. */
export function trunkKind(trunk: ArchitectureBuild['trunk']): TrunkKind {
  return trunk instanceof tfl.LayersModel ? 'model' : trunk.type;
}

/** `an` before mlp, `a` before cnn. */
function article(kind: TrunkKind): string {
  return kind === 'mlp' ? 'an' : 'a';
}

function hintFor(kind: TrunkKind, arch: Pick<RegisteredArchitecture, 'name' | 'trunks'>): string {
  if (kind === 'model') return `only ${MODEL_TRUNK_ARCHITECTURES.join(', ')} accepts a tfjs model as trunk; give ${arch.name} ${arch.trunks.filter((t) => t !== 'model').map((t) => `${article(t)} ${t}`).join(' or ')} trunk spec`;
  if (kind === 'mlp') return `use ${MLP_TRUNK_ARCHITECTURES.join(', ')} for mlp trunks, or give ${arch.name} a cnn trunk spec`;
  return `give ${arch.name} ${arch.trunks.map((t) => `${article(t)} ${t}`).join(' or ')} trunk`;
}

/**
 * Throws a ConfigError naming the fix when the build does not suit the architecture; returns the
 * trunk kind.
 */
export function checkBuild(arch: Pick<RegisteredArchitecture, 'name' | 'trunks' | 'representation'>, build: ArchitectureBuild): TrunkKind {
  if (!TFJS_NAME.test(build.name)) {
    throw new ConfigError('name', `model name '${build.name}' cannot prefix tfjs layer names`, 'use letters, digits, dot, dash, underscore and slash, starting with a letter or digit');
  }
  if (build.heads.length === 0) throw new ConfigError('tasks', `${arch.name} was given no task heads`, 'give at least one task');
  const seen = new Set<string>();
  for (const head of build.heads) {
    if (seen.has(head.task)) throw new ConfigError('tasks', `task '${head.task}' appears twice`, 'give every task a distinct name');
    seen.add(head.task);
    if (!TFJS_NAME.test(head.task) || head.task.includes('/')) {
      throw new ConfigError(`tasks.${head.task}`, `task name '${head.task}' cannot be used in tfjs layer names`, 'use letters, digits, dot, dash and underscore, starting with a letter or digit');
    }
    if (!(Number.isInteger(head.units) && head.units > 0)) {
      throw new ConfigError(`tasks.${head.task}.units`, `task '${head.task}' has ${head.units} output units`, 'give a positive integer number of units');
    }
  }
  const kind = trunkKind(build.trunk);
  if (!arch.trunks.includes(kind)) {
    const what = kind === 'model' ? 'a tfjs model' : `${article(kind)} ${kind} spec`;
    const wanted = arch.trunks.map((t) => (t === 'model' ? 'a tfjs model' : `${article(t)} ${t}`)).join(' or ');
    throw new ConfigError('trunk', `${arch.name} needs ${wanted} trunk, but the trunk is ${what}`, hintFor(kind, arch));
  }
  if (build.withRepresentation && !arch.representation) {
    throw new ConfigError(
      'withRepresentation',
      `${arch.name} has no single shared representation (each task reads its own features)`,
      'use the Jacobian of the shared parameters with this architecture, or hard-sharing for representation-gradient methods',
    );
  }
  return kind;
}

/** Throws when a task is named like the shared part (its labels would collide). */
export function refuseSharedTask(arch: string, build: ArchitectureBuild): void {
  if (build.heads.some((h) => h.task === 'shared')) {
    throw new ConfigError('tasks.shared', `${arch} names its shared experts 'shared', so no task may be called 'shared'`, 'rename the task');
  }
}

/** The trunk as an mlp/cnn spec (after `checkBuild` has excluded a tfjs model). */
export function trunkSpec(build: ArchitectureBuild): ModelSpec {
  if (build.trunk instanceof tfl.LayersModel) throw new ConfigError('trunk', 'expected an mlp or cnn trunk spec, got a tfjs model', `only ${MODEL_TRUNK_ARCHITECTURES.join(', ')} accepts a tfjs model as trunk`);
  return build.trunk;
}

/** The model's input layer, named `${name}/input/${input}`. */
export function modelInput(build: ArchitectureBuild): tfl.SymbolicTensor {
  return tfl.input({ shape: [...build.inputShape], name: `${build.name}/input/${build.input}` });
}
