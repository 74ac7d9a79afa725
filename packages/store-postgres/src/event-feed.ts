import type { PigeonholeError, StoreEventFeed } from '@pigeonhole/core'
import type { CompiledQuery } from 'kysely'
import type pg from 'pg'
import { CursorAssigner } from './cursor-assigner.js'
import { Listener } from './listener.js'
import { Notifier } from './notifier.js'
import type { ResolvedOptions } from './options.js'
import { type CarriedRound, carryAtCommit } from './store-connection.js'

/** The store's event feed, plus what tests and diagnostics may look at. */
export interface PostgresEventFeed extends StoreEventFeed {
  /** The server process id of the LISTEN connection, while connected. */
  readonly listenerProcessId: number | undefined
  /** Waits for numbering rounds and NOTIFYs in flight, and stops listening. */
  close(): Promise<void>
  /**
   * At the end of a write transaction: a statement asking its COMMIT to carry a numbering
   * round, when no other round runs (`committed(transaction)` then takes its answer); else
   * undefined.
   */
  carry(transaction: object): CompiledQuery | undefined
}

/**
 * After each commit: number the new events (so readers see them in cursor order, never
 * skipping one that committed late), then NOTIFY the newest cursor. Other instances LISTEN,
 * and also check every `pollIntervalMs` in case a wake-up was lost.
 */
export function eventFeed(options: {
  pool: pg.Pool
  clientConfig: pg.ClientConfig
  resolved: ResolvedOptions
  channel: string
}): PostgresEventFeed {
  const { resolved } = options
  const report = (error: PigeonholeError) => resolved.onError(error)
  const notifier = new Notifier({ pool: options.pool, channel: options.channel, onError: report })
  const assigner = new CursorAssigner({
    pool: options.pool,
    schema: resolved.schema,
    numbered: (cursor) => {
      if (resolved.notify) notifier.announce(cursor)
    },
    onError: report,
  })
  const stops: (() => Promise<void>)[] = []
  let listener: Listener | undefined
  const carried = new WeakMap<object, CarriedRound>()
  return {
    carry(transaction) {
      const round = assigner.carry()
      if (!round) return undefined
      carried.set(transaction, round)
      return carryAtCommit(round)
    },
    committed(transaction) {
      const results = transaction && carried.get(transaction)?.results
      return results ? assigner.carried(results) : assigner.assign()
    },
    async listen(wake) {
      // Numbering first: events of an instance that died before numbering its own.
      const catchUp = () => void assigner.assign().then(() => wake())
      const timer = setInterval(catchUp, resolved.pollIntervalMs)
      timer.unref()
      stops.push(async () => clearInterval(timer))
      if (resolved.listen) {
        const current = new Listener({
          clientConfig: options.clientConfig,
          channel: options.channel,
          onNotify: wake,
          onListening: catchUp,
          onError: report,
          reconnectMinMs: resolved.reconnectMinMs,
          reconnectMaxMs: resolved.reconnectMaxMs,
        })
        listener = current
        stops.push(() => current.stop())
        await current.start()
      }
      return async () => {
        for (const stop of stops.splice(0)) await stop()
      }
    },
    get listenerProcessId() {
      return listener?.processId
    },
    async close() {
      for (const stop of stops.splice(0)) await stop()
      await assigner.idle()
      await notifier.idle()
    },
  }
}
