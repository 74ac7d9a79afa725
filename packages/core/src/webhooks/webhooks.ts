import { z } from 'zod'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import { address, identifier, text } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'
import { functionOption, integerOption, parseOptions } from '../validation/parse-options.js'
import {
  type WebhookRunner,
  type WebhookRunnerOptions,
  WebhookRuntime,
  type WebhookSend,
} from './runner.js'

const runnerOptions = z.strictObject({
  endpoints: z
    .array(
      z.strictObject({
        id: identifier,
        accounts: z.union([z.literal('all'), z.array(address).min(1).max(10_000)]).optional(),
        types: z.array(text(1, 200)).min(1).max(1000).optional(),
      }),
    )
    .min(1)
    .max(1000)
    .check((ctx) => {
      const seen = new Set<string>()
      for (const [i, e] of ctx.value.entries()) {
        if (seen.has(e.id)) {
          ctx.issues.push({
            code: 'custom',
            input: e.id,
            path: [i, 'id'],
            message: `a unique endpoint id ("${e.id}" is given twice)`,
          })
        }
        seen.add(e.id)
      }
    }),
  send: functionOption<WebhookSend>(),
  concurrency: integerOption(1, 1000).optional(),
  startAt: z.enum(['now', 'beginning']).optional(),
  baseDelayMs: integerOption(0, 86_400_000).optional(),
  maxDelayMs: integerOption(0, 86_400_000).optional(),
  leaseMs: integerOption(1, 86_400_000).optional(),
  pollIntervalMs: integerOption(1, 86_400_000).optional(),
  random: functionOption<() => number>().optional(),
  onError: functionOption<(error: unknown) => void>().optional(),
})

/** One endpoint's delivery state. */
export interface WebhookEndpointState {
  id: string
  /** Events after this cursor go to the endpoint. */
  startCursor: number
  /** Every event up to this cursor is in its account's queue. */
  scanned: number
  createdAt: number
  /** When it was disabled (a 410 Gone, or `disable`), null while enabled. */
  disabledAt: number | null
  disabledReason: string | null
  /** Its queues, by account ('' holds the events without owner). */
  queues: WebhookQueueState[]
}

/** One (endpoint, account) queue. */
export interface WebhookQueueState {
  account: string
  /** The last event acknowledged (2xx). */
  cursor: number
  /** The newest event of the account seen: events wait while `head > cursor`. */
  head: number
  /** Failed attempts of the event at the front. */
  attempts: number
  /** When the next attempt may go. */
  dueAt: number
  lastError: string | null
}

/**
 * Push webhooks, run from the event table (`@pigeonhole/transport-http`'s `webhooks` sends
 * them over HTTP). Endpoints are the host's configuration; the store keeps, per endpoint and
 * account, the cursor of the last event acknowledged, so nothing is lost across a restart and
 * several instances on one database send each queue from one instance at a time.
 */
export class Webhooks {
  readonly #ctx: EngineContext
  readonly #runners = new Set<WebhookRuntime>()

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /**
   * Starts sending: records endpoints seen for the first time (they start after the newest
   * event, or at the first with `startAt: 'beginning'`), then sends every event after each
   * queue's cursor with `send`. The engine's `close()` stops it too.
   */
  async start(options: WebhookRunnerOptions): Promise<WebhookRunner> {
    const parsed = parseOptions(runnerOptions, options, 'admin.webhooks.start')
    const runner: WebhookRuntime = new WebhookRuntime(
      this.#ctx,
      {
        endpoints: parsed.endpoints.map((e) => ({
          id: e.id,
          accounts: e.accounts ?? 'all',
          types: e.types,
        })),
        send: parsed.send,
        concurrency: parsed.concurrency ?? 8,
        startAt: parsed.startAt ?? 'now',
        baseDelayMs: parsed.baseDelayMs ?? 1000,
        maxDelayMs: parsed.maxDelayMs ?? 600_000,
        leaseMs: parsed.leaseMs ?? 60_000,
        pollIntervalMs: parsed.pollIntervalMs ?? 5000,
        random: parsed.random ?? Math.random,
        onError: parsed.onError ?? ((error) => console.error('pigeonhole: webhooks:', error)),
      },
      () => this.#runners.delete(runner),
    )
    this.#ctx.assertOpen()
    this.#runners.add(runner)
    try {
      await runner.start()
    } catch (error) {
      await runner.stop()
      throw error
    }
    return runner
  }

  /** An endpoint's state and its queues (at most `limit`, default 1000, by account), or null if never started. */
  async status(id: string, limit = 1000): Promise<WebhookEndpointState | null> {
    const where = 'admin.webhooks.status'
    const endpointId = parseInput(identifier, id, where, 'id')
    const row = await this.#ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpointId)
      .executeTakeFirst()
    if (!row) return null
    const queues = await this.#ctx.db
      .selectFrom('webhook_cursors')
      .selectAll()
      .where('endpoint', '=', endpointId)
      .orderBy('account')
      .limit(parseInput(z.number().int().min(1).max(100_000), limit, where, 'limit'))
      .execute()
    return {
      id: row.id,
      startCursor: Number(row.start_cursor),
      scanned: Number(row.scanned),
      createdAt: Number(row.created_at),
      disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
      disabledReason: row.disabled_reason,
      queues: queues.map((q) => ({
        account: q.account,
        cursor: Number(q.cursor),
        head: Number(q.head),
        attempts: Number(q.attempts),
        dueAt: Number(q.due_at),
        lastError: q.last_error,
      })),
    }
  }

  /** Sends to the endpoint again (after a 410 Gone or `disable`), from where it stopped. */
  async enable(id: string): Promise<void> {
    const endpointId = await this.#setDisabled(id, null, 'admin.webhooks.enable')
    for (const runner of this.#runners) runner.enabled(endpointId)
  }

  /** Stops sending to the endpoint, on every instance; its events wait (see `enable`). */
  async disable(id: string, reason = 'disabled by the host'): Promise<void> {
    const endpointId = await this.#setDisabled(id, reason, 'admin.webhooks.disable')
    for (const runner of this.#runners) runner.disabled(endpointId)
  }

  async #setDisabled(id: string, reason: string | null, where: string): Promise<string> {
    const endpointId = parseInput(identifier, id, where, 'id')
    const why = reason === null ? null : parseInput(text(1, 1000), reason, where, 'reason')
    await this.#ctx.write(async (tx) => {
      const result = await tx.db
        .updateTable('webhook_endpoints')
        .set({ disabled_at: why === null ? null : tx.now, disabled_reason: why })
        .where('id', '=', endpointId)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) {
        throw new PigeonholeError(
          'not_found',
          `${where}: id: no webhook endpoint "${endpointId}"`,
          {
            field: 'id',
            id: endpointId,
          },
        )
      }
      // Queues backing off after the 410 go at once.
      if (why === null) {
        await tx.db
          .updateTable('webhook_cursors')
          .set({ due_at: tx.now, attempts: 0 })
          .where('endpoint', '=', endpointId)
          .execute()
      }
    }, where)
    return endpointId
  }

  /** Stops every runner (the engine's `close`). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#runners].map((r) => r.stop()))
  }
}
