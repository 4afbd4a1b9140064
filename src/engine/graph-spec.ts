/**
 * Models with several named inputs and heads, from a small JSON spec: a graph of nodes, each an
 * encoder or trunk (an `mlp` or `cnn` body, or a tfjs model supplied in code) or a join
 * (`concat`), and named heads on top, each with its output kind. Enough for a shared trunk with
 * a head per task, and for one encoder per modality joined before the heads. Every head outputs
 * logits (classification) or a value (regression), never probabilities.
 *
 *     { "type": "graph",
 *       "inputs": { "image": {}, "tabular": {} },
 *       "nodes": { "img": { "type": "cnn", "from": "image" },
 *                  "tab": { "type": "mlp", "from": "tabular", "hidden": [32] },
 *                  "both": { "type": "concat", "from": ["img", "tab"] } },
 *       "heads": { "label": { "from": "both" }, "age": { "from": "both", "output": "value" } } }
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import { fieldSampleShape, targetWidth, type FieldInfo } from '../data/fields.js';
import type { HeadOutput } from './head-output.js';
import type { NamedModel } from './member.js';
import { ACTIVATIONS, buildBody, CnnSpecSchema, lastWidth, LayerContext, MlpSpecSchema } from './model-spec.js';
import { deriveSeed } from './random.js';

const name = z.string().regex(/^[A-Za-z_][\w.-]*$/, 'use letters, digits, dot, dash and underscore, starting with a letter or underscore');

/**
 * Validates one named input of a graph spec: its sample shape and dtype, each defaulting to the
 * data field of the same name. Part of {@link GraphSpecSchema}.
 */
export const GraphInputSchema = z
  .object({
    /** Shape of one sample; default: the data field's shape. */
    shape: z.array(z.number().int().positive()).min(1).optional(),
    /** `float32` features or `int32` token ids; default: from the data field (tokens are int32). */
    dtype: z.enum(['float32', 'int32']).optional(),
  })
  .strict();

const from = {
  /** The input or node this node reads. */
  from: name,
};

/**
 * Validates one node of a graph spec, told apart by `type`: an `mlp` or `cnn` body, a `concat`
 * join, or a tfjs `model` supplied in code; each reads the inputs or earlier nodes named in `from`.
 * Part of {@link GraphSpecSchema}.
 */
export const GraphNodeSchema = z.discriminatedUnion('type', [
  /** An MLP body (flatten, hidden dense layers) on one input or node. */
  MlpSpecSchema.omit({ name: true }).extend(from).strict(),
  /** A CNN body (conv blocks, flatten, dense layers) on one image input or node. */
  CnnSpecSchema.omit({ name: true }).extend(from).strict(),
  /** Joins two or more inputs or nodes by concatenating their (flattened) features. */
  z
    .object({
      type: z.literal('concat'),
      /** The inputs or nodes to concatenate, in order. */
      from: z.array(name).min(2),
    })
    .strict(),
  /** A tfjs model given in code (not in a JSON file), applied to one input or node; the same model object in two graphs shares its weights. */
  z
    .object({
      type: z.literal('model'),
      /** The input or node the model reads, or several for a model with several inputs. */
      from: z.union([name, z.array(name).min(1)]),
      /** The tfjs LayersModel itself (code only). */
      model: z.custom<tfl.LayersModel>(
        (v) => v instanceof tfl.LayersModel,
        "a tfjs LayersModel made with jointly's tfjs-layers (import { tfl } from 'jointly-ml'); model nodes are made in code, not in config files",
      ),
    })
    .strict(),
]);

/**
 * Validates one named head of a graph spec: the input or node it reads, its units and output kind
 * (defaulting from the data's target of the same name), and optional hidden layers. Part of {@link
 * GraphSpecSchema}.
 */
export const GraphHeadSchema = z
  .object({
    /** The input or node the head reads. */
    from: name,
    /** Output units; default: the width of the data's target of the same name (its classes, labels or values). */
    units: z.number().int().positive().optional(),
    /** `logits` for a classification target, `value` for a regression target. Default: `value` when the data's target of that name is a regression, else `logits`. */
    output: z.enum(['logits', 'value']).optional(),
    /** Hidden dense layers of the head before its output layer. Default none. */
    hidden: z.array(z.number().int().positive()).default([]),
    /** Activation of the head's hidden layers. Default `relu`. */
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** Dropout after each hidden layer of the head. Default 0. */
    dropout: z.number().min(0).max(0.95).default(0),
  })
  .strict();

/**
 * Validates a `graph` model spec for {@link buildGraphModel}: named inputs, nodes and heads.
 * Besides the shapes, it checks that every `from` names an input or an earlier node, that names are
 * not reused, and that every input and node feeds something. The parsed type is {@link GraphSpec}.
 */
export const GraphSpecSchema = z
  .object({
    type: z.literal('graph'),
    /** Display name of the model; defaults to `graph-<index>`. */
    name: z.string().min(1).optional(),
    /** Named inputs, in the order the model takes them. */
    inputs: z.record(name, GraphInputSchema).refine((r) => Object.keys(r).length > 0, 'a graph needs at least one input'),
    /** Encoders, trunks and joins, in order: each reads inputs or earlier nodes. */
    nodes: z.record(name, GraphNodeSchema).default({}),
    /** Named heads, in the order of the model's outputs; name them after the data's targets. */
    heads: z.record(name, GraphHeadSchema).refine((r) => Object.keys(r).length > 0, 'a graph needs at least one head'),
    /** Initial weights of the heads (nodes have their own `init`). Default `glorot`. */
    init: z.enum(['glorot', 'torch']).default('glorot'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const inputs = Object.keys(spec.inputs);
    const known = new Set(inputs);
    const used = new Set<string>();
    for (const [nodeName, node] of Object.entries(spec.nodes)) {
      if (known.has(nodeName)) ctx.addIssue({ code: 'custom', path: ['nodes', nodeName], message: `'${nodeName}' is already the name of an input or an earlier node` });
      const sources = Array.isArray(node.from) ? node.from : [node.from];
      for (const source of sources) {
        if (!known.has(source)) {
          ctx.addIssue({ code: 'custom', path: ['nodes', nodeName, 'from'], message: `'${source}' is neither an input nor an earlier node (known: ${[...known].join(', ')})` });
        }
        used.add(source);
      }
      known.add(nodeName);
    }
    for (const [headName, head] of Object.entries(spec.heads)) {
      if (!known.has(head.from)) ctx.addIssue({ code: 'custom', path: ['heads', headName, 'from'], message: `'${head.from}' is neither an input nor a node (known: ${[...known].join(', ')})` });
      used.add(head.from);
    }
    for (const unused of [...known].filter((n) => !used.has(n))) {
      const kind = inputs.includes(unused) ? 'input' : 'node';
      ctx.addIssue({ code: 'custom', path: [kind === 'input' ? 'inputs' : 'nodes', unused], message: `${kind} '${unused}' feeds no node or head`, });
    }
  });

/** A parsed graph spec, with every default filled in (see {@link GraphSpecSchema}). */
export type GraphSpec = z.infer<typeof GraphSpecSchema>;
/** The input shape of a graph spec before defaults (see {@link GraphSpecSchema}). */
export type GraphSpecInput = z.input<typeof GraphSpecSchema>;

/** Options of {@link buildGraphModel}: the data's fields, the seed and the model name. */
export interface BuildGraphOptions {
  /** The data's fields (see `describeFields`): input shapes and head widths default to theirs. */
  fields?: Readonly<Record<string, FieldInfo>>;
  /** Seed of the initial weights and dropout masks. */
  seed: number;
  /** Model name (tfjs layer names are prefixed with it). */
  name?: string;
}

/** The input layer of one graph input, with its shape and dtype from the spec or the data. */
function makeInput(inputName: string, spec: z.infer<typeof GraphInputSchema>, opts: BuildGraphOptions, prefix: string): tfl.SymbolicTensor {
  const field = opts.fields?.[inputName];
  const shape = spec.shape ?? (field === undefined ? undefined : fieldSampleShape(field));
  if (shape === undefined) {
    const why = field === undefined ? 'the data has no field of that name' : `the data's '${inputName}' is a ${field.kind} target, not an input`;
    throw new ConfigError(`inputs.${inputName}.shape`, `graph input '${inputName}' has no shape: ${why}`, 'give the input a shape, or name it after an input field of the data');
  }
  const dtype = spec.dtype ?? (field?.kind === 'tokens' ? 'int32' : 'float32');
  return tfl.input({ shape: [...shape], dtype, name: `${prefix}/input/${inputName}` });
}

/** Flattens a representation to [batch, features] (for joins and heads); `source` makes the layer's name unique. */
function flat(t: tfl.SymbolicTensor, ctx: LayerContext, source: string): tfl.SymbolicTensor {
  return t.shape.length > 2 ? (tfl.layers.flatten({ name: `${ctx.prefix}/flatten_${source}` }).apply(t) as tfl.SymbolicTensor) : t;
}

/** Each head's units and output kind, from its spec or the data's target of the same name; checked before any layer is made. */
function headShapes(spec: GraphSpec, opts: BuildGraphOptions): Record<string, { units: number; output: HeadOutput }> {
  const out: Record<string, { units: number; output: HeadOutput }> = {};
  for (const [headName, head] of Object.entries(spec.heads)) {
    const field = opts.fields?.[headName];
    const width = field === undefined ? undefined : targetWidth(field);
    const units = head.units ?? width;
    if (units === undefined) {
      const why = field === undefined ? 'the data has no target of that name' : `the data's '${headName}' is an input, not a target`;
      throw new ConfigError(`heads.${headName}.units`, `head '${headName}' has no size: ${why}`, 'give the head units, or name it after a target field of the data');
    }
    if (width !== undefined && width !== units) {
      throw new ShapeMismatchError(`head '${headName}' has ${units} units but the data's target '${headName}' has width ${width}`, 'leave units out to take the target\'s width');
    }
    out[headName] = { units, output: head.output ?? (field?.kind === 'regression' ? 'value' : 'logits') };
  }
  return out;
}

/** Builds a graph spec into a tfjs model with its input and head names and output kinds. */
export function buildGraphModel(specInput: GraphSpecInput, opts: BuildGraphOptions): NamedModel {
  const spec = GraphSpecSchema.parse(specInput);
  const prefix = opts.name ?? spec.name ?? 'graph';
  const shapes = headShapes(spec, opts);
  const tensors = new Map<string, tfl.SymbolicTensor>();
  const inputs = Object.entries(spec.inputs).map(([inputName, inputSpec]) => {
    const t = makeInput(inputName, inputSpec, opts, prefix);
    tensors.set(inputName, t);
    return t;
  });
  const get = (source: string): tfl.SymbolicTensor => tensors.get(source) as tfl.SymbolicTensor;
  for (const [nodeName, node] of Object.entries(spec.nodes)) {
    const ctx = new LayerContext(deriveSeed(opts.seed, `node/${nodeName}`), `${prefix}/${nodeName}`, node.type === 'mlp' || node.type === 'cnn' ? node.init : spec.init);
    let out: tfl.SymbolicTensor;
    switch (node.type) {
      case 'mlp':
      case 'cnn':
        out = buildBody({ ...node, name: undefined }, get(node.from), ctx);
        break;
      case 'concat':
        out = tfl.layers.concatenate({ axis: -1, name: ctx.name('concat') }).apply(node.from.map((s) => flat(get(s), ctx, s))) as tfl.SymbolicTensor;
        break;
      case 'model': {
        const sources = Array.isArray(node.from) ? node.from.map(get) : [get(node.from)];
        const applied = node.model.apply(sources.length === 1 ? sources[0] : sources);
        if (Array.isArray(applied)) throw new ConfigError(`nodes.${nodeName}.model`, `the model of node '${nodeName}' has ${applied.length} outputs`, 'a model node must have one output');
        out = applied as tfl.SymbolicTensor;
        break;
      }
    }
    tensors.set(nodeName, out);
  }
  const heads: string[] = [];
  const outputs: Record<string, HeadOutput> = {};
  const outTensors = Object.entries(spec.heads).map(([headName, head]) => {
    const { units, output } = shapes[headName];
    const ctx = new LayerContext(deriveSeed(opts.seed, `head/${headName}`), `${prefix}/head/${headName}`, spec.init);
    let h = flat(get(head.from), ctx, head.from);
    if (head.hidden.length > 0) {
      h = buildBody({ type: 'mlp', hidden: head.hidden, activation: head.activation, dropout: head.dropout, batchNorm: false, init: spec.init }, h, ctx);
    }
    heads.push(headName);
    outputs[headName] = output;
    return tfl.layers.dense({ units, ...ctx.init(lastWidth(h)), name: ctx.name('out') }).apply(h) as tfl.SymbolicTensor;
  });
  const model = tfl.model({ inputs, outputs: outTensors, name: prefix });
  return { model, inputs: Object.keys(spec.inputs), heads, outputs };
}
