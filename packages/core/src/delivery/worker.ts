import type { Selectable } from 'kysely'
import type { FilesTable, OutboxTable } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { isPigeonholeError } from '../errors.js'
import type { FilesConfig } from '../files/files.js'
import { type Delivery, type DeliveryAck, TransportError } from '../transport/port.js'
import { chunk } from '../util/chunk.js'
import { Coalescer } from '../util/coalescer.js'
import { deliveryBytes, expandDelivery, fileIds, filesOf } from './files-out.js'
import { leasedByOther, lockClaims, outboxLockKey, workerName } from './lease.js'
import { type DeliveryOptions, retryDelay } from './options.js'
import { failReceipts } from './receipts.js'

type OutboxRow = Selectable<OutboxTable>

/** Rows read per pass to find the due heads of the (pair, peer) queues. */
const scanLimit = 1000
/** A key of one ordered queue: the local address and the peer. */
const queueKey = (row: Pick<OutboxRow, 'pair' | 'peer'>) => `${row.pair}\u0000${row.peer}`

/** What finding a queue head's due time reads of a row. */
type HeadRow = Pick<OutboxRow, 'pair' | 'peer' | 'due_at' | 'claimed_by' | 'claimed_until'>

/** The first row of each queue among `rows` (in queue order). */
function* queueHeads<R extends Pick<OutboxRow, 'pair' | 'peer'>>(rows: readonly R[]): Iterable<R> {
  const seen = new Set<string>()
  for (const row of rows) {
    const key = queueKey(row)
    if (seen.has(key)) continue
    seen.add(key)
    yield row
  }
}

/**
 * The delivery worker of one engine instance: takes due outbox rows, oldest first, keeping
 * order per (pair, peer) queue (a queue's next row waits until the one before it was
 * acknowledged or failed for good), sends them to their peer in batches, and on the peer's
 * answer deletes them (accepted, duplicate) or fails them (refused: receipts `failed`,
 * `delivery.failed`); a batch that got no answer is retried with backoff and full jitter.
 * Wakes on new rows (after their commit), on a timer (unref'd: it never keeps the process
 * alive) and when asked (`wake`). Several instances on one database (PostgreSQL) claim rows
 * with a lease (`claimed_by`, `claimed_until`), taken under an advisory lock so that a queue's
 * rows are claimed by one instance at a time.
 */
export class DeliveryWorker {
  readonly #ctx: EngineContext
  readonly #options: DeliveryOptions
  readonly #report: (error: unknown) => void
  /** The engine's files (chunks, master keys): attachments travel with their message. */
  readonly #files: FilesConfig | undefined
  /** This instance's name in `claimed_by`. */
  readonly #me = workerName()
  readonly #passes = new Coalescer(() => this.#pass())
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(
    ctx: EngineContext,
    options: DeliveryOptions,
    report: (error: unknown) => void,
    files?: FilesConfig,
  ) {
    this.#ctx = ctx
    this.#files = files
    this.#options = options
    this.#report = report
  }

  /** Asks for a pass now (coalesced with one running). */
  readonly wake = (): void => {
    if (!this.#stopped) void this.#passes.request()
  }

  /** True when no pass is running and the outbox is empty. */
  async idle(): Promise<boolean> {
    await this.#passes.idle()
    const row = await this.#ctx.db.selectFrom('outbox').select('id').limit(1).executeTakeFirst()
    return row === undefined
  }

  /**
   * When a pass could next send something: per (pair, peer) queue its head's due time, or the
   * end of another instance's lease on it, whichever is later; the earliest of those.
   */
  async nextDue(): Promise<number | undefined> {
    const rows = await this.#ctx.db
      .selectFrom('outbox')
      .select(['pair', 'peer', 'due_at', 'claimed_by', 'claimed_until'])
      .orderBy('created_at')
      .orderBy('id')
      .limit(scanLimit)
      .execute()
    return this.#earliestHead(rows)
  }

  /** Over `rows` in queue order: the earliest time a queue head may go (see `nextDue`). */
  #earliestHead(rows: readonly HeadRow[]): number | undefined {
    let next: number | undefined
    for (const row of queueHeads(rows)) {
      const leased = row.claimed_by !== this.#me && row.claimed_until !== null
      const at = Math.max(Number(row.due_at), leased ? Number(row.claimed_until) : 0)
      next = next === undefined ? at : Math.min(next, at)
    }
    return next
  }

  /** No more passes; resolves once the one running (and its batch in flight) is done. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    await this.#passes.idle()
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return
    let failed = false
    // When a queue head is next due, from the pass's last claim when it took nothing (the
    // newest view of the outbox); undefined: ask the outbox.
    let seen: { next: number | undefined } | undefined
    try {
      // Until nothing is due: a batch's answer may make the next rows of its queues heads.
      for (let round = 0; round < 100 && !this.#stopped; round++) {
        const { byPeer: claimed, next } = await this.#claim()
        if (claimed.size === 0) {
          seen = { next }
          break
        }
        await Promise.all([...claimed].map(([peer, rows]) => this.#send(peer, rows)))
      }
    } catch (error) {
      failed = true
      this.#report(error)
    }
    if (!this.#stopped) await this.#schedule(failed, seen)
  }

  /**
   * The next pass: when a queue's head is due (not the earliest row: the rows behind a head
   * that backs off are due but wait for it, and waking for them would claim nothing, again
   * and again), at most `pollIntervalMs` from now; after a failed pass, no sooner than
   * `baseDelayMs` (a store that is down is not asked in a loop). `seen`: that time as the
   * pass's last claim found it; without it the outbox is read.
   */
  async #schedule(failed: boolean, seen: { next: number | undefined } | undefined): Promise<void> {
    let delay = this.#options.pollIntervalMs
    try {
      const next = seen ? seen.next : await this.nextDue()
      if (next !== undefined) {
        delay = Math.max(0, Math.min(delay, next - this.#ctx.clock.now()))
      }
      if (failed)
        delay = Math.max(delay, Math.min(this.#options.baseDelayMs, this.#options.pollIntervalMs))
    } catch (error) {
      if (this.#stopped) return
      this.#report(error)
    }
    if (this.#stopped) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(this.wake, delay)
    this.#timer.unref?.()
  }

  /**
   * Claims the due heads of the queues (and the rows behind them), per peer up to a batch;
   * when it takes nothing, `next` is when a head is next due (as `nextDue`, from the same read).
   */
  async #claim(): Promise<{ byPeer: Map<string, OutboxRow[]>; next: number | undefined }> {
    const ctx = this.#ctx
    return ctx.write(async (tx) => {
      // Claims are taken one instance at a time: a queue's head and the rows behind it go to
      // one instance, never split (the lock ends with the transaction).
      await lockClaims(ctx, tx, outboxLockKey)
      const rows = await tx.db
        .selectFrom('outbox')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .limit(scanLimit)
        .execute()
      const now = tx.now
      const decided = new Map<string, boolean>()
      const byPeer = new Map<string, OutboxRow[]>()
      for (const row of rows) {
        const key = queueKey(row)
        let take = decided.get(key)
        if (take === undefined) {
          take = !leasedByOther(row, now, this.#me) && Number(row.due_at) <= now
          decided.set(key, take)
        }
        if (!take) continue
        const batch = byPeer.get(row.peer) ?? []
        if (batch.length >= this.#options.batchSize) {
          // The queue's rows past the batch wait for the next round.
          continue
        }
        byPeer.set(row.peer, batch)
        batch.push(row)
      }
      const ids = [...byPeer.values()].flat().map((r) => r.id)
      for (const part of chunk(ids, ctx.maxParameters - 2)) {
        await tx.db
          .updateTable('outbox')
          .set({ claimed_by: this.#me, claimed_until: now + this.#options.leaseMs })
          .where('id', 'in', part)
          .execute()
      }
      return { byPeer, next: ids.length === 0 ? this.#earliestHead(rows) : undefined }
    }, 'delivery')
  }

  /**
   * Sends one peer's rows and records the answers: cut into batches of at most
   * `maxBatchBytes` (attachments travel inside the delivery), each built just before it goes
   * (the files read then, dropped once answered), sent one after the other. A row larger than
   * the limit on its own fails for good (`file_too_large` when its attachments make it so);
   * once a batch gets no answer, it and every batch after it are retried (order per queue).
   */
  async #send(peer: string, rows: OutboxRow[]): Promise<void> {
    const files = this.#files
    const fileRows = files ? await filesOf(this.#ctx, rows) : new Map()
    const now = this.#ctx.clock.now()
    const max = this.#options.maxBatchBytes
    const groups: OutboxRow[][] = []
    const tooLarge = new Map<string, DeliveryAck>()
    let group: OutboxRow[] = []
    let bytes = 2
    for (const row of rows) {
      const size = deliveryBytes(row, fileRows, now)
      if (size + 2 > max) {
        const withFiles = fileIds(row).length > 0
        tooLarge.set(row.id, {
          id: row.id,
          status: 'refused',
          code: withFiles ? 'file_too_large' : 'too_large',
          message: `the delivery of message "${row.message_id}" takes ${size} bytes, over delivery.maxBatchBytes (${max})${withFiles ? ': its attachments cannot travel to another engine' : ''}`,
        })
        continue
      }
      if (group.length > 0 && bytes + size + 1 > max) {
        groups.push(group)
        group = []
        bytes = 2
      }
      group.push(row)
      bytes += size + 1
    }
    if (group.length > 0) groups.push(group)
    if (tooLarge.size > 0) {
      await this.#settle(
        rows.filter((r) => tooLarge.has(r.id)),
        tooLarge,
      )
    }
    for (let g = 0; g < groups.length; g++) {
      const rest = () => groups.slice(g).flat()
      const acks = await this.#deliver(peer, groups[g]!, fileRows, rest)
      if (!acks) return
      if (acks === 'split') {
        // Over the peer's body limit (413; it is below maxBatchBytes): its halves, in order.
        const batch = groups[g]!
        const half = Math.ceil(batch.length / 2)
        groups.splice(g, 1, batch.slice(0, half), batch.slice(half))
        g--
        continue
      }
      // A row the peer did not answer: it and everything after it wait (order per queue).
      if (!(await this.#settle(groups[g]!, acks))) {
        const later = groups.slice(g + 1).flat()
        if (later.length > 0)
          await this.#retry(later, new Error('an earlier batch was not answered'), undefined)
        return
      }
    }
  }

  /**
   * One batch: built, sent; its acks by id, undefined when the rows were dealt with here, or
   * 'split' when the peer found the batch too large (413) and it has more than one row.
   */
  async #deliver(
    peer: string,
    rows: OutboxRow[],
    fileRows: Map<string, Selectable<FilesTable>>,
    rest: () => OutboxRow[],
  ): Promise<Map<string, DeliveryAck> | 'split' | undefined> {
    const batch: Delivery[] = []
    const failed = new Map<string, DeliveryAck>()
    try {
      for (const row of rows) {
        try {
          batch.push(
            this.#files
              ? await expandDelivery(this.#ctx, this.#files, row, fileRows)
              : ({ ...JSON.parse(row.payload), id: row.id } as Delivery),
          )
        } catch (error) {
          // A file that cannot travel (its key is not ours): that message fails for good.
          if (!isPigeonholeError(error) || error.code === 'store_error') throw error
          failed.set(row.id, {
            id: row.id,
            status: 'refused',
            code: error.code,
            message: error.message,
          })
        }
      }
    } catch (error) {
      await this.#retry(rest(), error, undefined)
      return undefined
    }
    let acks: DeliveryAck[]
    try {
      acks = batch.length === 0 ? [] : await this.#ctx.delivery!.transport.deliver(peer, batch)
    } catch (error) {
      const transport = error instanceof TransportError ? error : undefined
      if (transport && !transport.retryable) {
        // 413: this batch is over the peer's body limit, not the peer refusing everything: a
        // batch of several is split; a delivery too large on its own fails alone.
        if (transport.status === 413) {
          if (rows.length > 1) return 'split'
          const row = rows[0]!
          return new Map([
            [
              row.id,
              failed.get(row.id) ?? {
                id: row.id,
                status: 'refused',
                code: fileIds(row).length > 0 ? 'file_too_large' : 'too_large',
                message: `the delivery of message "${row.message_id}" is over peer "${peer}"'s body limit: ${transport.message}`,
              },
            ],
          ])
        }
        const all = rest()
        await this.#settle(
          all,
          new Map(
            all.map((r) => [
              r.id,
              failed.get(r.id) ?? {
                id: r.id,
                status: 'refused',
                code: 'undeliverable',
                message: `the transport gave up on peer "${peer}": ${transport.message}`,
              },
            ]),
          ),
        )
        return undefined
      }
      await this.#retry(rest(), error, transport?.retryAfterMs)
      return undefined
    }
    const byId = new Map<string, DeliveryAck>(failed)
    for (const ack of Array.isArray(acks) ? acks : []) {
      if (ack && typeof ack.id === 'string') byId.set(ack.id, ack)
    }
    return byId
  }

  /** The peer answered: rows it acknowledged are done; those it did not answer are retried. */
  async #settle(rows: OutboxRow[], acks: Map<string, DeliveryAck>): Promise<boolean> {
    const done: OutboxRow[] = []
    const again: OutboxRow[] = []
    const unanswered = new Set<string>()
    for (const row of rows) {
      const ack = acks.get(row.id)
      // Order per queue: once a row is unanswered, the rows behind it in its queue wait too.
      if (!ack || unanswered.has(queueKey(row))) {
        unanswered.add(queueKey(row))
        again.push(row)
      } else {
        done.push(row)
      }
    }
    await this.#ctx.write(async (tx) => {
      for (const part of chunk(
        done.map((r) => r.id),
        this.#ctx.maxParameters,
      )) {
        await tx.db.deleteFrom('outbox').where('id', 'in', part).execute()
      }
      for (const row of done) {
        const ack = acks.get(row.id)!
        if (ack.status === 'refused' && row.kind === 'message')
          await refused(this.#ctx, tx, row, ack)
      }
      if (again.length > 0)
        await this.#backOff(tx, again, 'the peer did not answer for it', undefined)
    }, 'delivery')
    return again.length === 0
  }

  async #retry(rows: OutboxRow[], error: unknown, retryAfterMs: number | undefined): Promise<void> {
    const why = error instanceof Error ? error.message : String(error)
    await this.#ctx.write((tx) => this.#backOff(tx, rows, why, retryAfterMs), 'delivery')
  }

  /** Attempts + 1, due after the backoff (or Retry-After), unclaimed. */
  async #backOff(
    tx: WriteTx,
    rows: OutboxRow[],
    why: string,
    retryAfterMs: number | undefined,
  ): Promise<void> {
    // One due time per queue, from its head's attempts: the queue stays in order.
    const dueByQueue = new Map<string, number>()
    for (const row of rows) {
      const key = queueKey(row)
      if (!dueByQueue.has(key)) {
        dueByQueue.set(
          key,
          tx.now + retryDelay(this.#options, Number(row.attempts) + 1, retryAfterMs),
        )
      }
      await tx.db
        .updateTable('outbox')
        .set({
          attempts: Number(row.attempts) + 1,
          due_at: dueByQueue.get(key)!,
          claimed_by: null,
          claimed_until: null,
          last_error: why.slice(0, 1000),
        })
        .where('id', '=', row.id)
        .execute()
    }
  }
}

/** A message delivery refused for good: its recipients there failed, and the sender is told. */
async function refused(
  ctx: EngineContext,
  tx: WriteTx,
  row: OutboxRow,
  ack: DeliveryAck,
): Promise<void> {
  const delivery = JSON.parse(row.payload) as { message: { for: string[] } }
  const recipients = delivery.message.for.map((name) => `${name}@${row.peer}`)
  await failReceipts(ctx, tx, row.message_id, recipients, {
    code: ack.code ?? 'refused',
    message: ack.message ?? `peer "${row.peer}" refused the message`,
  })
}
