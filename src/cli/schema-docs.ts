/**
 * The doc comments of config fields, read from the TypeScript sources with the compiler API:
 * zod keeps no comments at runtime, so the config reference (config-reference.ts) matches each
 * runtime object schema to the object literals of the sources by their keys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** One object literal of the sources: its own keys and the doc comment of each documented key. */
export interface DocLiteral {
  /** File it is in, relative to the source root. */
  readonly file: string;
  /** Its own property names (spread properties are not its own). */
  readonly keys: ReadonlySet<string>;
  /** Doc comment of each documented property, on one line. */
  readonly docs: ReadonlyMap<string, string>;
}

/** The documented object literals of a source tree. */
export interface DocIndex {
  readonly literals: readonly DocLiteral[];
}

/** The text of a node's JSDoc comments, on one line (undefined without one). */
function jsDocOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs
    .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

/** The name of a property, when it is an identifier or a string literal. */
function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The identifier an expression starts from: `A` of `A.b().c(...)`. */
function rootIdentifier(expr: ts.Expression): string | undefined {
  let e: ts.Expression = expr;
  for (;;) {
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression;
    else if (ts.isCallExpression(e)) e = e.expression;
    else if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    else return undefined;
  }
}

/** Every `.ts` file under `dir` except tests, relative to `dir`, sorted. */
function sourceFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...sourceFiles(dir, rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
  }
  return files.sort();
}

/**
 * Reads the object literals of every source file under `srcDir` that are call arguments
 * (`z.object({...})`, `.extend({...})`) or variable initializers (`const common = {...}`).
 * A property without its own doc comment takes the doc comment of the schema or field it is
 * built from (`training: TrainingConfigSchema.prefault({})`, `mu: proximalMuField`).
 */
export function readSchemaDocs(srcDir: string): DocIndex {
  const parsed = sourceFiles(srcDir).map((file) => ({ file, source: ts.createSourceFile(file, readFileSync(join(srcDir, file), 'utf8'), ts.ScriptTarget.Latest, true) }));
  // Doc comments of declared schemas and fields, by name (e.g. TrainingConfigSchema, proximalMuField).
  const declared = new Map<string, string>();
  for (const { source } of parsed) {
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
        const statement = node.parent.parent;
        const doc = jsDocOf(ts.isVariableStatement(statement) ? statement : node);
        if (doc !== undefined && !declared.has(node.name.text)) declared.set(node.name.text, doc);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const literals: DocLiteral[] = [];
  for (const { file, source } of parsed) {
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node) && (ts.isCallExpression(node.parent) || ts.isVariableDeclaration(node.parent))) {
        const keys = new Set<string>();
        const docs = new Map<string, string>();
        for (const prop of node.properties) {
          if (!(ts.isPropertyAssignment(prop) || ts.isShorthandPropertyAssignment(prop))) continue;
          const name = propertyName(prop.name);
          if (name === undefined) continue;
          keys.add(name);
          // `fraction` (shorthand) and `mu: proximalMuField` name the field itself; in a chain, only a schema or field (not `f.sampling` of a shape).
          const root = ts.isShorthandPropertyAssignment(prop) ? prop.name.text : ts.isIdentifier(prop.initializer) ? prop.initializer.text : rootIdentifier(prop.initializer);
          const chained = ts.isPropertyAssignment(prop) && !ts.isIdentifier(prop.initializer);
          const doc = jsDocOf(prop) ?? (root === undefined || (chained && !/(Schema|Field|field)$/.test(root)) ? undefined : declared.get(root));
          if (doc !== undefined) docs.set(name, doc);
        }
        if (docs.size > 0) literals.push({ file, keys, docs });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { literals };
}

/**
 * The doc comment of field `key` of a runtime object schema with keys `keys`: from the largest
 * literal of the sources whose own keys are all among `keys` and that documents `key` (an object
 * built from several literals, by spreads or `.extend`, finds each field in its own literal);
 * failing that (a schema made with `.omit`), from the documenting literal sharing most keys.
 */
export function fieldDoc(index: DocIndex, keys: readonly string[], key: string): string | undefined {
  const all = new Set(keys);
  let best: DocLiteral | undefined;
  for (const literal of index.literals) {
    if (!literal.docs.has(key)) continue;
    if (![...literal.keys].every((k) => all.has(k))) continue;
    if (best === undefined || literal.keys.size > best.keys.size) best = literal;
  }
  if (best !== undefined) return best.docs.get(key);
  // A schema made with `.omit` lacks some keys of its literal: take the documenting literal that shares most keys with it (at least two).
  let shared = 1;
  for (const literal of index.literals) {
    if (!literal.docs.has(key)) continue;
    const common = [...literal.keys].filter((k) => all.has(k)).length;
    if (common > shared) {
      shared = common;
      best = literal;
    }
  }
  return best?.docs.get(key);
}
