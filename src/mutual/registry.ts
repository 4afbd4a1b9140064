/** The mutual-learning methods by name. Adding a method: add a file in methods/ and a line here. */
import { ZodObject, type z } from 'zod';
import { UnknownNameError } from '../errors.js';
import type { JointSetup, MethodContext, MutualMethod } from './method.js';
import { coTeaching } from './methods/co-teaching.js';
import { distillation } from './methods/distillation.js';
import { dml } from './methods/dml.js';

/** A method with its options type erased: options are validated by its own schema on the way in. */
export interface RegisteredMethod {
  readonly name: string;
  readonly summary: string;
  readonly minModels: number;
  readonly maxModels?: number;
  readonly options: z.ZodType;
  /** Names of the options the method accepts. */
  readonly optionNames: readonly string[];
  /** Validates raw options (throws a ZodError) and builds the joint phase. */
  setup(rawOptions: unknown, ctx: MethodContext): JointSetup;
}

function register<O>(method: MutualMethod<O>): RegisteredMethod {
  return {
    name: method.name,
    summary: method.summary,
    minModels: method.minModels,
    maxModels: method.maxModels,
    options: method.options,
    optionNames: method.options instanceof ZodObject ? Object.keys(method.options.shape) : [],
    setup: (raw, ctx) => method.setup(method.options.parse(raw ?? {}), ctx),
  };
}

const METHODS: readonly RegisteredMethod[] = [register(dml), register(coTeaching), register(distillation)];

/** Names of the registered mutual-learning methods, in registry order: `dml`, `co-teaching`, `distillation`. */
export const MUTUAL_METHOD_NAMES: readonly string[] = METHODS.map((m) => m.name);

/** The method registered under `name`, or undefined. */
export function findMutualMethod(name: string): RegisteredMethod | undefined {
  return METHODS.find((m) => m.name === name);
}

/** The method registered under `name`; UnknownNameError lists the valid names. */
export function getMutualMethod(name: string): RegisteredMethod {
  const method = findMutualMethod(name);
  if (method === undefined) throw new UnknownNameError('mutual-learning method', name, MUTUAL_METHOD_NAMES);
  return method;
}

/** All registered methods, in registry order. */
export function listMutualMethods(): readonly RegisteredMethod[] {
  return METHODS;
}
