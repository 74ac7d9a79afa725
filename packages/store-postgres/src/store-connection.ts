import { PigeonholeError, resultUnused } from '@pigeonhole/core'
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import type pg from 'pg'
import { sqlStateOf, toStoreError } from './store-error.js'

const noop = () => {}
const empty: QueryResult<never> = { rows: [] }

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

  constructor(client: pg.PoolClient) {
    this.#client = client
    this.#pipelined = (client as { pipeline?: boolean }).pipeline === true
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#discarded) throw toStoreError(new Error('the connection was discarded'))
    const parameters = [...query.parameters]
    if (this.#inTransaction && this.#pipelined && (query as Marked)[resultUnused] === true) {
      this.#send(query.sql, parameters)
      return empty
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return toResult<R>(await this.#run(query.sql, parameters))
      } catch (error) {
        // Kysely's migrator lists the tables of every schema; a schema dropped meanwhile (by
        // another app, another test) fails that read-only listing with 3F000: list again.
        const listing = query.sql.includes('has_schema_privilege')
        if (!(listing && sqlStateOf(error) === '3F000' && attempt < 5)) throw toStoreError(error)
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
    try {
      const result = await this.#run('commit', [])
      // An earlier failure left the transaction aborted: PostgreSQL answers COMMIT with ROLLBACK.
      if (result.command === 'ROLLBACK') {
        throw new PigeonholeError('store_error', 'PostgreSQL: the transaction was rolled back', {})
      }
    } finally {
      this.#inTransaction = false
    }
  }

  async rollback(): Promise<void> {
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
    this.#client.release(this.#discarded || this.#pending.length > 0)
  }

  /** Writes a statement now; its answer is collected by the next `#run`. */
  #send(sql: string, parameters: unknown[]): void {
    this.#pending.push(
      this.#client.query(sql, parameters).then(noop, (error: unknown) => {
        this.#failure ??= error
      }),
    )
  }

  /** Runs a statement (sent right away, behind any pending ones) and waits for its answer. */
  async #run(sql: string, parameters: unknown[]): Promise<pg.QueryResult> {
    const running = this.#client.query(sql, parameters)
    if (this.#pending.length === 0 && this.#failure === undefined) return running
    running.catch(noop) // its own failure only repeats an earlier one's
    await Promise.all(this.#pending.splice(0))
    if (this.#failure !== undefined) throw this.#failure
    return running
  }
}

type Marked = CompiledQuery & { [resultUnused]?: boolean }

function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  const { command, rowCount, rows } = result
  const changed =
    command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE'
  return {
    ...(changed && { numAffectedRows: BigInt(rowCount ?? 0) }),
    rows: (rows ?? []) as R[],
  }
}
