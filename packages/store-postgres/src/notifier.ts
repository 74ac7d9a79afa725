import { Coalescer } from '@pigeonhole/core'
import type pg from 'pg'
import { toStoreError } from './store-error.js'

/**
 * Wakes other instances with NOTIFY (payload: the newest cursor), after commit and outside
 * any writing transaction: a NOTIFY inside one takes a database-wide lock at commit that
 * would serialize every writer. Coalesced: while one NOTIFY is on its way, newer cursors
 * wait and go as one.
 */
export class Notifier {
  readonly #pool: pg.Pool
  readonly #channel: string
  readonly #onError: (error: ReturnType<typeof toStoreError>) => void
  readonly #sends: Coalescer
  #newest = 0
  #sent = 0

  constructor(options: {
    pool: pg.Pool
    channel: string
    onError: (error: ReturnType<typeof toStoreError>) => void
  }) {
    this.#pool = options.pool
    this.#channel = options.channel
    this.#onError = options.onError
    this.#sends = new Coalescer(() => this.#send())
  }

  /** Announces that events up to `cursor` are readable; does not wait for the NOTIFY. */
  announce(cursor: number): void {
    if (cursor <= this.#newest) return
    this.#newest = cursor
    void this.#sends.request()
  }

  idle(): Promise<void> {
    return this.#sends.idle()
  }

  async #send(): Promise<void> {
    const cursor = this.#newest
    if (cursor <= this.#sent) return
    try {
      await this.#pool.query('select pg_notify($1, $2)', [this.#channel, String(cursor)])
      this.#sent = cursor
    } catch (error) {
      // Listeners also poll now and then, so a lost wake-up only delays them.
      this.#onError(toStoreError(error))
    }
  }
}
