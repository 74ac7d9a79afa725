import type { StoreEventFeed } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'

/** The feed, and a way for the store to stop its timers on close. */
export interface DataVersionFeed extends StoreEventFeed {
  close(): void
}

/**
 * Lets an idle engine see what another connection (another engine on the same file) commits.
 * `PRAGMA data_version` changes only when ANOTHER connection commits, so one cheap pragma per
 * tick tells whether to read the event table. The timer is unref'd: it never keeps the
 * process alive.
 */
export function dataVersionFeed(
  raw: BetterSqlite3.Database,
  pollIntervalMs: number,
): DataVersionFeed {
  const timers = new Set<NodeJS.Timeout>()
  const version = (): number | undefined => {
    try {
      return raw.pragma('data_version', { simple: true }) as number
    } catch {
      return undefined // closed meanwhile; the store stops the timer
    }
  }
  return {
    // This connection's own commits are readable at once.
    committed: () => Promise.resolve(undefined),
    async listen(wake) {
      let seen = version()
      const timer = setInterval(() => {
        const now = version()
        if (now === undefined || now === seen) return
        seen = now
        wake()
      }, pollIntervalMs)
      timer.unref()
      timers.add(timer)
      // What was committed between the engine's open and this first reading.
      wake()
      return async () => {
        clearInterval(timer)
        timers.delete(timer)
      }
    },
    close() {
      for (const timer of timers) clearInterval(timer)
      timers.clear()
    },
  }
}
