/**
 * One registry helper for the parts of a strategy (aggregators, server optimizers, client
 * algorithms): entries in a fixed order, looked up by name; an unknown name fails with the list
 * of valid ones. Adding a part is adding a file and one entry.
 */
import { UnknownNameError } from '../../errors.js';

/** A registry of named entries, in registry order. */
export class NamedRegistry<E extends { readonly name: string }> {
  /** What the entries are, for messages (e.g. `aggregator`). */
  readonly kind: string;
  private readonly entries: readonly E[];

  constructor(kind: string, entries: readonly E[]) {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) throw new Error(`${kind} registry: '${e.name}' is registered twice`);
      seen.add(e.name);
    }
    this.kind = kind;
    this.entries = entries;
  }

  /** Every name, in registry order. */
  get names(): string[] {
    return this.entries.map((e) => e.name);
  }

  /** Every entry, in registry order. */
  list(): readonly E[] {
    return this.entries;
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.entries.some((e) => e.name === name);
  }

  /** The entry called `name`; UnknownNameError listing the names otherwise. */
  get(name: string): E {
    const found = this.entries.find((e) => e.name === name);
    if (found === undefined) throw new UnknownNameError(this.kind, name, this.names);
    return found;
  }
}
