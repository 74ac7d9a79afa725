import type { QueueRow, WebhookQueues } from './queues.js'
import type { WebhookSend, WebhookSendResult, WebhookTarget } from './runner-types.js'

/** What sending one claimed queue needs from its runner. */
export interface DrainContext {
  queues: WebhookQueues
  send: WebhookSend
  /** The runner stopped, or the endpoint was disabled: the queue's next event waits. */
  halted(row: QueueRow): boolean
  /** The endpoint answered 410 Gone: this runner stops sending to it at once. */
  disable(endpoint: string): void
}

/** Sends a claimed queue's events in order until it is empty, fails, or the lease is lost. */
export async function drainQueue(
  row: QueueRow,
  target: WebhookTarget,
  d: DrainContext,
): Promise<void> {
  const types = target.types && new Set(target.types)
  let cursor = Number(row.cursor)
  let saved = cursor
  const attempts = Number(row.attempts)
  for (;;) {
    if (d.halted(row)) return d.queues.release(row, saved === cursor ? undefined : cursor)
    const events = await d.queues.events(row, cursor)
    if (events.length === 0) return d.queues.release(row, saved === cursor ? undefined : cursor)
    for (const event of events) {
      if (types && !types.has(event.type)) {
        cursor = event.cursor
        continue
      }
      if (d.halted(row)) return d.queues.release(row, saved === cursor ? undefined : cursor)
      let result: WebhookSendResult
      try {
        result = await d.send(row.endpoint, event)
      } catch (error) {
        result = { ok: false, error: error instanceof Error ? error.message : String(error) }
      }
      if (result.ok) {
        cursor = event.cursor
        if (!(await d.queues.acknowledged(row, cursor))) return
        saved = cursor
        continue
      }
      if (result.gone) {
        d.disable(row.endpoint)
        return d.queues.gone(row, cursor, result.error)
      }
      // The same front event as when claimed: one more attempt; a new front event: its first.
      const front = saved === Number(row.cursor) ? attempts + 1 : 1
      return d.queues.backOff(row, cursor, front, result)
    }
  }
}
