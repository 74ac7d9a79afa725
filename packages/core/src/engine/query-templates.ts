import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { Database } from '../db/schema.js'

/** A stand-in for a parameter while a template is built; replaced on every run. */
class Slot {
  readonly index: number
  constructor(index: number) {
    this.index = index
  }
}

interface Template {
  compiled: CompiledQuery
  /** For each parameter of the compiled SQL: the slot it takes, or -1 for a fixed value. */
  slots: number[]
}

/**
 * Queries built and compiled by Kysely once per shape, then run again with new values.
 * Building and compiling costs about 8 µs a statement, as much as SQLite takes to run a
 * small insert, so the hot paths (send, its counts and events) use templates. A template's
 * key must name everything that changes its SQL (e.g. the number of rows).
 */
export class QueryTemplates {
  readonly #cache: LRUCache<string, Template>

  /** Keeps at most `max` templates, dropping the least recently used. */
  constructor(max = 64) {
    this.#cache = new LRUCache({ max })
  }

  /**
   * Runs the template `key` with `values`; `build` makes it on first use from slots, one per
   * value (`slot(i)` stands for `values[i]`).
   */
  run<R>(
    db: Kysely<Database>,
    key: string,
    values: readonly unknown[],
    build: (slot: (index: number) => never) => Compilable<R>,
  ): Promise<QueryResult<R>> {
    let template = this.#cache.get(key)
    if (!template) {
      const compiled = build((index) => new Slot(index) as never).compile()
      const slots = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1))
      template = { compiled, slots }
      this.#cache.set(key, template)
    }
    const { compiled, slots } = template
    const parameters = slots.map((s, i) => (s < 0 ? compiled.parameters[i] : values[s]))
    return db.executeQuery<R>({ ...compiled, parameters })
  }
}
