import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { Database } from '../db/schema.js'
import { resultUnused, type SyncStatements } from '../store-port.js'

/**
 * Where a write transaction's statements run: its Kysely transaction, and the store's
 * `syncStatements` when it has them (`WriteTx` is one).
 */
export interface StatementTarget {
  readonly db: Kysely<Database>
  readonly sync: SyncStatements | undefined
}

/**
 * Runs a compiled statement with `parameters` in the write transaction: synchronously through
 * the store's `syncStatements` when it has them (no promise per statement), else through
 * Kysely. The one place the engine chooses between the two. `unused`: the caller does not
 * read the result, so a pipelining store may answer before the statement ran (`resultUnused`).
 */
export function execute<R>(
  target: StatementTarget,
  compiled: CompiledQuery,
  parameters: readonly unknown[],
  unused = false,
): QueryResult<R> | Promise<QueryResult<R>> {
  const sync = target.sync
  if (sync) return sync.run(compiled.sql, parameters) as QueryResult<R>
  const query: CompiledQuery<R> & { [resultUnused]?: true } = {
    sql: compiled.sql,
    parameters,
    query: compiled.query,
    queryId: compiled.queryId,
  }
  if (unused) query[resultUnused] = true
  return target.db.executeQuery<R>(query)
}

/**
 * Up to this many values (insert rows, IN-list items) a statement runs from a template
 * (whole-box marks write 1,000 events a chunk, again and again); larger statements are built
 * each time. Templates are an LRU of 64.
 */
export const templateRows = 1000

/**
 * Template keys for a statement whose SQL changes with a count (rows, IN-list items):
 * `keyOf(n)` is `${name} ${n}`, made once per count so a hot path builds no string.
 */
export function keysPerSize(name: string): (n: number) => string {
  const keys: string[] = []
  return (n) => {
    let key = keys[n]
    if (key === undefined) {
      key = `${name} ${n}`
      keys[n] = key
    }
    return key
  }
}

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
    target: StatementTarget,
    key: string,
    values: readonly unknown[],
    build: (slot: (index: number) => never) => Compilable<R>,
    unused = false,
  ): QueryResult<R> | Promise<QueryResult<R>> {
    return (
      this.runBuilt<R>(target, key, values, unused) ??
      this.#build(target, key, values, build, unused)
    )
  }

  /**
   * `run` for a statement of up to `templateRows` values; a larger one is built with the values
   * themselves and not kept (a template per size that large would crowd out the hot ones).
   */
  runOrBuild<R>(
    target: StatementTarget,
    key: string,
    values: readonly unknown[],
    build: (slot: (index: number) => never) => Compilable<R>,
  ): QueryResult<R> | Promise<QueryResult<R>> {
    if (values.length <= templateRows) return this.run(target, key, values, build)
    const compiled = build((index) => values[index] as never).compile()
    return execute<R>(target, compiled, compiled.parameters)
  }

  /**
   * Runs the template `key` with `values` if it is built; undefined if not (then `run` it with
   * a builder). Lets a hot call site skip making its builder closure on every call.
   */
  runBuilt<R>(
    target: StatementTarget,
    key: string,
    values: readonly unknown[],
    unused = false,
  ): QueryResult<R> | Promise<QueryResult<R>> | undefined {
    const template = this.#cache.get(key)
    return template && this.#execute<R>(target, template, values, unused)
  }

  /**
   * The compiled statement of the template `key` with `values` in place, if it is built;
   * undefined if not (then `bind` it with a builder). For a caller that runs it its own way.
   */
  bound(key: string, values: readonly unknown[]): CompiledQuery | undefined {
    const template = this.#cache.get(key)
    return template && bindValues(template, values)
  }

  /** `bound`, building the template with `build` on first use. */
  bind(
    key: string,
    values: readonly unknown[],
    build: (slot: (index: number) => never) => Compilable<unknown>,
  ): CompiledQuery {
    return bindValues(this.#template(key, build), values)
  }

  #template(key: string, build: (slot: (index: number) => never) => Compilable<unknown>) {
    let template = this.#cache.get(key)
    if (!template) {
      const compiled = build((index) => new Slot(index) as never).compile()
      const slots = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1))
      template = { compiled, slots }
      this.#cache.set(key, template)
    }
    return template
  }

  #build<R>(
    target: StatementTarget,
    key: string,
    values: readonly unknown[],
    build: (slot: (index: number) => never) => Compilable<R>,
    unused: boolean,
  ): QueryResult<R> | Promise<QueryResult<R>> {
    return this.#execute<R>(target, this.#template(key, build), values, unused)
  }

  #execute<R>(
    target: StatementTarget,
    template: Template,
    values: readonly unknown[],
    unused: boolean,
  ): QueryResult<R> | Promise<QueryResult<R>> {
    return execute<R>(target, template.compiled, parameterValues(template, values), unused)
  }
}

/** The parameters of `template` with `values` in its slots. */
function parameterValues({ compiled, slots }: Template, values: readonly unknown[]): unknown[] {
  const parameters = new Array<unknown>(slots.length)
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!
    parameters[i] = s < 0 ? compiled.parameters[i] : values[s]
  }
  return parameters
}

function bindValues(template: Template, values: readonly unknown[]): CompiledQuery {
  const { compiled } = template
  return {
    sql: compiled.sql,
    parameters: parameterValues(template, values),
    query: compiled.query,
    queryId: compiled.queryId,
  }
}
