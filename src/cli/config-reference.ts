/**
 * The config reference (docs/config-reference.md), generated from the zod schemas of every
 * mode: each field's type, default and allowed values from the runtime schema, its description
 * from the doc comment in the sources (given as `doc`, see schema-docs.ts). Pure: schemas and
 * doc lookup in, markdown out, plus the fields that have no description.
 */
import { z } from 'zod';
import type { OptionsOwner } from '../engine/named-options.js';

/** One config file mode of the reference. */
export interface ModeReference {
  /** The `mode` value, e.g. `federated`. */
  readonly mode: string;
  /** What the mode is, one line. */
  readonly title: string;
  /** The commands that run its configs. */
  readonly commands: string;
  /** Its schema. */
  readonly schema: z.ZodType;
}

/** A registry whose entries carry their own options beside their name (`{ "name": "dml", "temperature": 2 }`). */
export interface OptionsRegistry {
  /** What its entries are, e.g. `mutual-learning method`. */
  readonly kind: string;
  /** The field that names the entry (`name`, or `type` for encoders). */
  readonly key: string;
  /** Every entry's name. */
  readonly names: readonly string[];
  /** The entry of a name. */
  readonly find: (name: string) => OptionsOwner | undefined;
}

/** Inputs of `configReference` besides the modes. */
export interface ConfigReferenceOptions {
  /** The doc comment of field `key` of an object schema with keys `keys` (schema-docs.ts `fieldDoc`). */
  readonly doc: (keys: readonly string[], key: string) => string | undefined;
  /** Registries whose entries' options are documented under the field that names them. Default none. */
  readonly registries?: readonly OptionsRegistry[];
  /** The command that regenerates the file, named in its header. */
  readonly command: string;
}

/** One row of a table: a field. */
interface Row {
  path: string;
  type: string;
  default: string;
  allowed: string;
  description: string;
}

/** Unwrapped field: its inner schema, default and whether it may be left out. */
interface Unwrapped {
  inner: z.ZodType;
  defaultValue?: unknown;
  hasDefault: boolean;
  optional: boolean;
}

function unwrap(schema: z.ZodType): Unwrapped {
  let s = schema;
  let defaultValue: unknown;
  let hasDefault = false;
  let optional = false;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      if (!hasDefault) defaultValue = (s.def as { defaultValue: unknown }).defaultValue;
      hasDefault = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodOptional) {
      optional = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodNullable || s instanceof z.ZodReadonly || s instanceof z.ZodCatch) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    } else if (s instanceof z.ZodLazy) {
      s = s.unwrap() as z.ZodType;
    } else return { inner: s, defaultValue, hasDefault, optional };
  }
}

const json = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Whether a schema (unwrapped) has fields to list. */
function isObjectLike(s: z.ZodType): boolean {
  const inner = unwrap(s).inner;
  if (inner instanceof z.ZodObject) return true;
  if (inner instanceof z.ZodUnion) return (inner.options as z.ZodType[]).some(isObjectLike);
  if (inner instanceof z.ZodArray) return isObjectLike(inner.element as z.ZodType);
  if (inner instanceof z.ZodRecord) return isObjectLike(inner.valueType as z.ZodType);
  return false;
}

/** Type and bounds of a leaf schema, from its JSON Schema. */
function leafType(s: z.ZodType): { type: string; allowed: string } {
  const inner = unwrap(s).inner;
  if (inner instanceof z.ZodEnum) return { type: 'string', allowed: (inner.options as unknown[]).map(json).join(' \\| ') };
  if (inner instanceof z.ZodLiteral) return { type: typeof [...inner.values][0], allowed: [...inner.values].map(json).join(' \\| ') };
  if (inner instanceof z.ZodUnion) {
    const parts = (inner.options as z.ZodType[]).map(leafType);
    return { type: [...new Set(parts.map((p) => p.type))].join(' or '), allowed: parts.map((p) => p.allowed).filter((a) => a !== '').join('; ') };
  }
  if (inner instanceof z.ZodArray) {
    const element = leafType(inner.element as z.ZodType);
    const js = z.toJSONSchema(inner, { unrepresentable: 'any', io: 'input' }) as { minItems?: number; maxItems?: number };
    const bounds = [js.minItems === undefined ? '' : `at least ${js.minItems}`, js.maxItems === undefined ? '' : `at most ${js.maxItems}`].filter((b) => b !== '').join(', ');
    return { type: `array of ${element.type}`, allowed: [element.allowed === '' ? '' : `each ${element.allowed}`, bounds === '' ? '' : `${bounds} items`].filter((a) => a !== '').join('; ') };
  }
  if (inner instanceof z.ZodUnknown || inner instanceof z.ZodAny) return { type: 'any', allowed: '' };
  if (inner instanceof z.ZodUndefined) return { type: 'absent', allowed: '' };
  const js = z.toJSONSchema(inner, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  const bounds: string[] = [];
  if (typeof js.minimum === 'number') bounds.push(`≥ ${js.minimum}`);
  if (typeof js.exclusiveMinimum === 'number') bounds.push(`> ${js.exclusiveMinimum}`);
  if (typeof js.maximum === 'number' && Math.abs(js.maximum) < Number.MAX_SAFE_INTEGER) bounds.push(`≤ ${js.maximum}`);
  if (typeof js.exclusiveMaximum === 'number') bounds.push(`< ${js.exclusiveMaximum}`);
  if (typeof js.minLength === 'number' && js.minLength > 0) bounds.push(`at least ${js.minLength} characters`);
  if (typeof js.pattern === 'string') bounds.push(`matches \`${js.pattern}\``);
  const type = typeof js.type === 'string' ? js.type : inner instanceof z.ZodBoolean ? 'boolean' : 'any';
  return { type, allowed: bounds.join(', ') };
}

/** The literal value of `key` in an object schema option of a union, if it has one. */
function discriminatorValue(option: z.ZodType, key: string): string | undefined {
  const inner = unwrap(option).inner;
  if (!(inner instanceof z.ZodObject)) return undefined;
  const field = inner.shape[key] as z.ZodType | undefined;
  if (field === undefined) return undefined;
  const f = unwrap(field).inner;
  return f instanceof z.ZodLiteral ? json([...f.values][0]) : f instanceof z.ZodUndefined ? 'absent' : undefined;
}

/** The key every object option of a union has a literal for (e.g. `name`). */
function discriminatorOf(options: readonly z.ZodType[]): string | undefined {
  const objects = options.filter((o) => unwrap(o).inner instanceof z.ZodObject);
  const first = unwrap(objects[0]).inner as z.ZodObject;
  return Object.keys(first.shape).find((k) => objects.every((o) => discriminatorValue(o, k) !== undefined));
}

class Walker {
  readonly missing: string[] = [];
  constructor(private readonly options: ConfigReferenceOptions) {}

  /** The rows of field `key` (at `path`) of an object with keys `keys`, then its own fields. */
  field(schema: z.ZodType, path: string, keys: readonly string[], key: string, rows: Row[], described?: string): void {
    const u = unwrap(schema);
    // A doc comment in the sources, else a description given in code (`.describe`, for fields whose key is computed).
    let description = described ?? this.options.doc(keys, key) ?? u.inner.description ?? schema.description;
    if (description === undefined && u.inner instanceof z.ZodLiteral) description = `always ${json([...u.inner.values][0])}: selects this ${key === 'mode' ? 'mode' : 'variant'}`;
    if (description === undefined) {
      this.missing.push(path);
      description = '';
    }
    const required = !u.hasDefault && !u.optional;
    const defaultText = u.hasDefault ? `\`${json(u.defaultValue)}\`` : required ? 'required' : 'none';
    const objectLike = isObjectLike(u.inner);
    const type = objectLike ? this.containerType(u.inner) : leafType(u.inner);
    rows.push({ path: `\`${path}\``, type: type.type, default: defaultText, allowed: type.allowed, description });
    if (objectLike) this.children(u.inner, path, rows);
  }

  private containerType(s: z.ZodType): { type: string; allowed: string } {
    if (s instanceof z.ZodObject) return { type: 'object', allowed: '' };
    if (s instanceof z.ZodArray) return { type: 'array of objects', allowed: leafType(s).allowed.replace(/^each [^;]*;?\s*/, '') };
    if (s instanceof z.ZodRecord) return { type: 'object (any keys)', allowed: '' };
    if (s instanceof z.ZodUnion) {
      const options = s.options as z.ZodType[];
      const key = discriminatorOf(options);
      const leaves = options.filter((o) => !isObjectLike(o)).map((o) => leafType(o).type);
      const variants = key === undefined ? '' : `by \`${key}\`: ${options.map((o) => discriminatorValue(o, key)).filter((v) => v !== undefined).join(', ')}`;
      return { type: ['object', ...leaves].join(' or '), allowed: variants };
    }
    return { type: 'object', allowed: '' };
  }

  /** The rows of the fields inside a container schema. */
  children(s: z.ZodType, path: string, rows: Row[]): void {
    if (s instanceof z.ZodObject) {
      const keys = Object.keys(s.shape);
      for (const key of keys) this.field(s.shape[key] as z.ZodType, `${path}.${key}`, keys, key, rows);
      const catchall = (s.def as { catchall?: z.ZodType }).catchall;
      if (catchall !== undefined) this.registryOptions(s, path, rows);
    } else if (s instanceof z.ZodArray) {
      this.children(unwrap(s.element as z.ZodType).inner, `${path}[]`, rows);
    } else if (s instanceof z.ZodRecord) {
      this.children(unwrap(s.valueType as z.ZodType).inner, `${path}.<key>`, rows);
    } else if (s instanceof z.ZodUnion) {
      const options = s.options as z.ZodType[];
      const key = discriminatorOf(options);
      options.forEach((option, i) => {
        const inner = unwrap(option).inner;
        if (!isObjectLike(inner)) return;
        const value = key === undefined ? String(i + 1) : discriminatorValue(option, key);
        const label = key === undefined ? `${path}(form ${value})` : `${path}(${key}=${value})`;
        this.children(inner, label, rows);
      });
    }
  }

  /** The options of each entry of the registry an object with a catch-all names (`method`, `weighting`, ...). */
  private registryOptions(s: z.ZodObject, path: string, rows: Row[]): void {
    for (const registry of this.options.registries ?? []) {
      const keyField = s.shape[registry.key] as z.ZodType | undefined;
      const inner = keyField === undefined ? undefined : unwrap(keyField).inner;
      if (!(inner instanceof z.ZodEnum)) continue;
      const names = (inner.options as unknown[]).map(String);
      if (names.length !== registry.names.length || !names.every((n) => registry.names.includes(n))) continue;
      for (const name of registry.names) {
        const owner = registry.find(name);
        const options = owner === undefined ? undefined : unwrap(owner.options).inner;
        if (options === undefined || !(options instanceof z.ZodObject)) continue;
        const keys = Object.keys(options.shape);
        for (const key of keys) this.field(options.shape[key] as z.ZodType, `${path}(${registry.key}="${name}").${key}`, keys, key, rows);
      }
      return;
    }
  }
}

const cell = (s: string): string => s.replace(/\n/g, ' ').replace(/\|(?<!\\\|)/g, '\\|');

function table(rows: readonly Row[]): string {
  const lines = ['| field | type | default | allowed values | description |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.path} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.allowed)} | ${cell(r.description)} |`);
  return lines.join('\n');
}

const anchor = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/**
 * The reference of `modes` as markdown: per mode, a table of its top-level fields, then one
 * table per top-level section (an object field); a section whose schema an earlier mode already
 * listed links there. `missing` lists the fields without a description.
 */
export function configReference(modes: readonly ModeReference[], options: ConfigReferenceOptions): { markdown: string; missing: string[] } {
  const walker = new Walker(options);
  const seen = new Map<z.ZodType, string>();
  const parts: string[] = [
    '# Config reference',
    '',
    `<!-- Generated from the config schemas and their doc comments; do not edit. Regenerate: ${options.command} -->`,
    '',
    'Every field of every config file mode: its type, its default ("required": it has none and must be given; "none": it may be left out), its allowed values, and what it does.',
    'Config files are JSON (`.json`) or YAML (`.yaml`, `.yml`); unknown fields are refused, with the closest known field suggested.',
    'Paths are dotted; `a[]` is an element of the array `a`; `a(name="x")` holds for the variant (or the registered method) of `a` whose `name` is `"x"`.',
    '',
    ...modes.map((m) => `- [\`${m.mode}\`](#${anchor(`mode ${m.mode}`)}): ${m.title} (${m.commands})`),
  ];
  for (const m of modes) {
    const root = unwrap(m.schema).inner;
    if (!(root instanceof z.ZodObject)) throw new Error(`the schema of mode ${m.mode} is not an object`);
    const keys = Object.keys(root.shape);
    const top: Row[] = [];
    const sections: string[] = [];
    for (const key of keys) {
      const field = root.shape[key] as z.ZodType;
      const inner = unwrap(field).inner;
      if (!isObjectLike(inner)) {
        walker.field(field, key, keys, key, top);
        continue;
      }
      const rows: Row[] = [];
      walker.field(field, key, keys, key, rows);
      const heading = `${m.mode}: ${key}`;
      const earlier = seen.get(inner);
      if (earlier === undefined) {
        seen.set(inner, heading);
        sections.push(`### ${heading}\n\n${table(rows)}`);
      } else {
        sections.push(`### ${heading}\n\n${table(rows.slice(0, 1))}\n\nIts fields are those of [${earlier}](#${anchor(earlier)}).`);
      }
      top.push({ ...rows[0], description: `${rows[0].description} (see [${key}](#${anchor(heading)}))`.trim() });
    }
    parts.push('', `## mode ${m.mode}`, '', `${m.title}. Run by ${m.commands}.`, '', table(top), '', sections.join('\n\n'));
  }
  return { markdown: `${parts.join('\n')}\n`, missing: walker.missing };
}
