import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  openPigeonhole,
  type Pigeonhole,
  type PigeonholeEvent,
  type PigeonholeOptions,
  type Store,
} from '@pigeonhole/core'
import { type SqliteStoreOptions, sqliteStore } from '../src/index.js'

/** An engine on a real file, with its store's transactions counted and its events kept. */
export interface CountedEngine {
  ph: Pigeonhole
  path: string
  /** Transactions the store ran since the engine opened (migrations not counted). */
  transactions(): number
  /** Every event `events$` emitted, in order. */
  events: PigeonholeEvent[]
}

/** Temporary files for one test file; `cleanup` closes what is open and removes them. */
export function groupCommitFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-group-commit-'))
  const opened: Pigeonhole[] = []
  let n = 0
  return {
    /** A new file (or `path`), `durability: 'full'` unless the options say otherwise. */
    async open(
      options: Partial<SqliteStoreOptions> = {},
      engine: Partial<Omit<PigeonholeOptions, 'store'>> = {},
      path = join(dir, `g${n++}.db`),
    ): Promise<CountedEngine> {
      const store = sqliteStore({ durability: 'full', ...options, path })
      let count = 0
      const counting: Store = {
        ...store,
        transaction: (body) => {
          count += 1
          return store.transaction(body)
        },
      }
      const ph = await openPigeonhole({ store: counting, ...engine })
      opened.push(ph)
      const before = count
      const events: PigeonholeEvent[] = []
      ph.events$.subscribe((event) => events.push(event))
      return { ph, path, transactions: () => count - before, events }
    },
    async cleanup(): Promise<void> {
      for (const ph of opened.splice(0)) await ph.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The events one message's send wrote: `message.sent` then one `message.received` per recipient. */
export function eventsOfMessages(events: readonly PigeonholeEvent[]): string[] {
  return events
    .filter((e) => e.type === 'message.sent' || e.type === 'message.received')
    .map((e) => `${e.type} ${e.owner} ${e.messageId}`)
}

/** Cursors strictly one after the other, from the first. */
export function consecutive(events: readonly PigeonholeEvent[]): boolean {
  return events.every((e, i) => i === 0 || e.cursor === events[i - 1]!.cursor + 1)
}
