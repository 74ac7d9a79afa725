import { PigeonholeError, resultUnused } from '@pigeonhole/core'
import { CompiledQuery, type DatabaseConnection, type QueryResult } from 'kysely'
import type pg from 'pg'
import { sqlStateOf, toStoreError } from './store-error.js'

const noop = () => {}
const empty: QueryResult<never> = { rows: [] }

/** A numbering round a COMMIT carries: its SQL, then its answer; `done` once it is over. */
export interface CarriedRound {
  readonly sql: string
  readonly done: () => void
  results?: Promise<pg.QueryResult[]>
}

const carrying = Symbol('carried round')

/**
 * A statement that sends nothing: it asks the transaction's connection to send `round`
 * right behind its COMMIT (a pipelining client only; else `round` is over at once).
 */
export function carryAtCommit(round: CarriedRound): CompiledQuery {
  const probe: Marked = { ...CompiledQuery.raw(''), [carrying]: round }
  return probe
}

/** Statement texts named so far (process-wide, so one name never means two texts). */
const names = new Map<string, string>()
/** Texts named at most; past that, statements go unnamed (parsed and planned each time). */
const maxNames = 2000

/**
 * The name of a statement with parameters: pg then parses it once per connection (and the
 * server may keep its plan), as a hand-written `{ name, text }` query does. Statements without
 * parameters (DDL, migrations) stay unnamed.
 */
function nameOf(sql: string, parameters: readonly unknown[]): string | undefined {
  if (parameters.length === 0) return undefined
  let name = names.get(sql)
  if (name === undefined && names.size < maxNames) {
    name = `pigeonhole_${names.size + 1}`
    names.set(sql, name)
  }
  return name
}

/**
 * One pooled pg client as Kysely's connection. On a pipelining client (`pipeline: true`, the
 * store's own pool), inside a transaction, BEGIN and the statements core marks `resultUnused`
 * are written without waiting for their answers: they travel with the next statement that is
 * waited for (or the COMMIT), so a send's BEGIN rides with its first read and its inserts
 * with its COMMIT. The first failure among them is what that next statement throws (later
 * ones only say the transaction is aborted). On any other client every statement is waited
 * for, as in Kysely's own driver.
 */
export class StoreConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient
  readonly #pipelined: boolean
  /** Statements sent and not answered yet; each settles without rejecting. */
  #pending: Promise<void>[] = []
  /** The first failure among them, thrown by the next statement waited for. */
  #failure: unknown
  #inTransaction = false
  #discarded = false
  #carry: CarriedRound | undefined
  /** The socket while statements sent without waiting are held in it (corked). */
  #corked: Corkable | undefined

  constructor(client: pg.PoolClient) {
    this.#client = client
    this.#pipelined = (client as { pipeline?: boolean }).pipeline === true
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#discarded) throw toStoreError(new Error('the connection was discarded'))
    const round = (query as Marked)[carrying]
    if (round) {
      if (this.#inTransaction && this.#pipelined) this.#carry = round
      else round.done()
      return empty
    }
    const parameters = [...query.parameters]
    if (this.#inTransaction && this.#pipelined && (query as Marked)[resultUnused] === true) {
      this.#send(query.sql, parameters)
      return empty
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return toResult<R>(await this.#run(query.sql, parameters))
      } catch (error) {
        // Kysely's migrator lists the tables of every schema; a schema or table dropped
        // meanwhile (by another app, another test) fails that read-only listing with 3F000
        // or 42P01: list again.
        const listing = query.sql.includes('has_schema_privilege')
        const dropped = sqlStateOf(error) === '3F000' || sqlStateOf(error) === '42P01'
        if (!(listing && dropped && attempt < 5)) throw toStoreError(error)
      }
    }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw toStoreError(new Error('streaming queries are not supported'))
  }

  async begin(sql: string): Promise<void> {
    this.#inTransaction = true
    this.#failure = undefined
    if (this.#pipelined) this.#send(sql, [])
    else await this.#run(sql, [])
  }

  async commit(): Promise<void> {
    const round = this.#carry
    this.#carry = undefined
    try {
      const committing = this.#run('commit', [], false)
      // Written right behind the COMMIT: the server runs it once the commit is done.
      const results =
        round && (this.#client.query(round.sql) as unknown as Promise<pg.QueryResult[]>)
      this.#flush()
      if (round && results) {
        round.results = results
        results.catch(noop)
      }
      let result: pg.QueryResult
      try {
        result = await committing
      } finally {
        if (round) await this.#settleCarried(round)
      }
      // An earlier failure left the transaction aborted: PostgreSQL answers COMMIT with ROLLBACK.
      if (result.command === 'ROLLBACK') {
        throw new PigeonholeError('store_error', 'PostgreSQL: the transaction was rolled back', {})
      }
    } finally {
      this.#inTransaction = false
    }
  }

  /** Waits for a carried round before the connection goes back to the pool. */
  async #settleCarried(round: CarriedRound): Promise<void> {
    try {
      await round.results
    } catch {
      // Its explicit transaction may be left open and aborted: drop this connection.
      this.#discarded = true
    } finally {
      round.done()
    }
  }

  async rollback(): Promise<void> {
    this.#carry?.done()
    this.#carry = undefined
    this.#flush()
    await Promise.all(this.#pending.splice(0))
    this.#failure = undefined
    this.#inTransaction = false
    try {
      await this.#client.query('rollback')
    } catch (error) {
      this.#discarded = true
      throw error
    }
  }

  release(): void {
    this.#flush()
    this.#client.release(this.#discarded || this.#pending.length > 0)
  }

  #query(sql: string, parameters: unknown[]): Promise<pg.QueryResult> {
    const name = nameOf(sql, parameters)
    if (name === undefined) return this.#client.query(sql, parameters)
    return this.#client.query({ name, text: sql, values: parameters }).catch((error: unknown) => {
      // "cached plan must not change result type": a table changed under a kept statement
      // (another instance migrated). It would fail on this connection for good: drop it.
      if (sqlStateOf(error) === '0A000') this.#discarded = true
      throw error
    })
  }

  /**
   * Sends a statement without waiting; its answer is collected by the next `#run`. It stays
   * in the corked socket until then, so a transaction's BEGIN and first read, or its inserts,
   * COMMIT and numbering round, leave in one write (one syscall, one wake-up of the server
   * process) instead of one each.
   */
  #send(sql: string, parameters: unknown[]): void {
    this.#cork()
    this.#pending.push(
      this.#query(sql, parameters).then(noop, (error: unknown) => {
        this.#failure ??= error
      }),
    )
  }

  /**
   * Runs a statement (sent right away, behind any pending ones) and waits for its answer.
   * `flush` false: the caller writes more behind it and flushes.
   */
  async #run(sql: string, parameters: unknown[], flush = true): Promise<pg.QueryResult> {
    const running = this.#query(sql, parameters)
    if (flush) this.#flush()
    if (this.#pending.length === 0 && this.#failure === undefined) return running
    running.catch(noop) // its own failure only repeats an earlier one's
    await Promise.all(this.#pending.splice(0))
    if (this.#failure !== undefined) throw this.#failure
    return running
  }

  #cork(): void {
    if (this.#corked) return
    const stream = (this.#client as unknown as { connection?: { stream?: Corkable } }).connection
      ?.stream
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return
    stream.cork()
    this.#corked = stream
    // Whatever happens next, the held statements leave before any I/O is waited for.
    setImmediate(() => this.#flush())
  }

  /** Writes what the corked socket holds. */
  #flush(): void {
    const stream = this.#corked
    if (!stream) return
    this.#corked = undefined
    stream.uncork()
  }
}

/** The slice of the pg client's socket that holding statements uses. */
interface Corkable {
  cork(): void
  uncork(): void
}

type Marked = CompiledQuery & { [resultUnused]?: boolean; [carrying]?: CarriedRound }

function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  const { command, rowCount, rows } = result
  const changed =
    command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE'
  return {
    ...(changed && { numAffectedRows: BigInt(rowCount ?? 0) }),
    rows: (rows ?? []) as R[],
  }
}
