import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PigeonholeEvent } from '@pigeonhole/core'
import { Webhook } from 'standardwebhooks'

/** One delivery the receiver took (verified with the `standardwebhooks` library). */
export interface Received {
  id: string
  event: PigeonholeEvent
  type: string
  timestamp: string
}

/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that verifies every request
 * with `standardwebhooks` (401 when it does not verify), answers `answer(n)` (the status of the
 * n-th verified request, default 204), and records what it took. It checks that two deliveries
 * for one account never overlap (`overlaps`), and can go down (port closed) and up again.
 */
export class WebhookReceiver {
  readonly #verifier: Webhook
  #server: Server | undefined
  port = 0
  /** Every verified request, in arrival order, duplicates included. */
  readonly received: Received[] = []
  /** Requests that did not verify. */
  readonly refused: string[] = []
  /** Deliveries that arrived while another for the same account was being answered. */
  readonly overlaps: string[] = []
  readonly #busy = new Map<string, number>()
  /** The status to answer the n-th verified request (0-based) with. */
  answer: (n: number, r: Received) => number = () => 204
  /** How long to take before answering, in ms. */
  delay: (r: Received) => number = () => 0
  #count = 0

  constructor(secret: string) {
    this.#verifier = new Webhook(secret)
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      void this.#handle(req).then(
        ({ status, headers }) => res.writeHead(status, headers).end(),
        () => res.writeHead(500).end(),
      )
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async down(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Unique ids, first arrival each (receivers dedupe by `webhook-id`). */
  deduped(): Received[] {
    const seen = new Set<string>()
    return this.received.filter((r) => !seen.has(r.id) && seen.add(r.id))
  }

  /** The cursors taken per account (owner, '' for none), in arrival order, deduplicated. */
  byAccount(): Map<string, number[]> {
    const out = new Map<string, number[]>()
    for (const r of this.deduped()) {
      const list = out.get(r.event.owner ?? '') ?? []
      out.set(r.event.owner ?? '', list)
      list.push(r.event.cursor)
    }
    return out
  }

  async #handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers?: Record<string, string> }> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    let payload: { type: string; timestamp: string; data: PigeonholeEvent }
    try {
      payload = this.#verifier.verify(body, req.headers as Record<string, string>) as typeof payload
    } catch (error) {
      this.refused.push(error instanceof Error ? error.message : String(error))
      return { status: 401 }
    }
    const r: Received = {
      id: String(req.headers['webhook-id']),
      event: payload.data,
      type: payload.type,
      timestamp: payload.timestamp,
    }
    const account = r.event.owner ?? ''
    const busy = this.#busy.get(account) ?? 0
    if (busy > 0) this.overlaps.push(`${account}: ${r.id}`)
    this.#busy.set(account, busy + 1)
    try {
      const wait = this.delay(r)
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      const status = this.answer(this.#count++, r)
      if (status >= 200 && status < 300) this.received.push(r)
      return { status }
    } finally {
      this.#busy.set(account, (this.#busy.get(account) ?? 1) - 1)
    }
  }
}

/** Waits until `done()` holds, checking every 10 ms; fails after `timeoutMs`. */
export async function until(
  done: () => boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
