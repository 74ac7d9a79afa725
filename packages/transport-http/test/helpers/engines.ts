import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Delivery,
  type DeliveryAck,
  type DeliveryOptions,
  type DeliveryReceiver,
  openPigeonhole,
  type Pigeonhole,
  type Transport,
} from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type HttpTransport, httpTransport } from '../../src/index.js'
import type { HttpTransportOptions } from '../../src/options.js'
import { secret } from './servers.js'

/**
 * What an engine hands its transport's `start`: the receiver carries the engine's link under
 * this (global) symbol (core's `transport/link.ts`, the memory network's `settle()` uses it):
 * `idle()` (outbox empty, no batch in flight) and `wake()` (a worker pass now).
 */
const engineLink = Symbol.for('pigeonhole.engineLink')
interface EngineLink {
  idle(): Promise<boolean>
  wake(): void
}

/** One engine of a test: SQLite on a file, its own HTTP transport on 127.0.0.1, a free port. */
export interface HttpPeer {
  id: string
  ph: Pigeonhole
  transport: HttpTransport
  /** The engine's link, once started. */
  link(): EngineLink
}

/**
 * Engines over real HTTP for one test: `open('a')`, `open('b')`; each finds the others through
 * `peers(id)`, a function (ports are known only once started), or through `route(id)` (a test
 * proxy in front of a peer). `settle()` waits until every outbox is empty and nothing is in
 * flight; `close()` closes everything and removes the files.
 */
export class HttpPeers {
  readonly dir = mkdtempSync(join(tmpdir(), 'pigeonhole-http-e2e-'))
  readonly peers = new Map<string, HttpPeer>()
  /** A URL to use for a peer instead of its own (a proxy in front of it). */
  readonly routes = new Map<string, string>()

  /** The URL `id` is reached at: a route if one is set, else its transport's URL. */
  url(id: string): string | undefined {
    const routed = this.routes.get(id)
    if (routed) return routed
    const p = this.peers.get(id)
    try {
      return p?.transport.url
    } catch {
      return undefined
    }
  }

  async open(
    id: string,
    options: {
      delivery?: Partial<DeliveryOptions>
      transport?: Partial<HttpTransportOptions>
      clock?: { now(): number }
    } = {},
  ): Promise<HttpPeer> {
    const transport = httpTransport({
      peerId: id,
      listen: { port: 0 },
      peers: (other) => this.url(other),
      secret,
      ...options.transport,
    })
    let link: EngineLink | undefined
    // The transport the engine sees: the HTTP one, noting the engine's link on start.
    const linked: Transport = {
      peerId: transport.peerId,
      start: (receiver: DeliveryReceiver) => {
        link = (receiver as unknown as { [engineLink]?: EngineLink })[engineLink]
        return transport.start(receiver)
      },
      deliver: (peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> =>
        transport.deliver(peer, batch),
      stop: () => transport.stop(),
    }
    const ph = await openPigeonhole({
      store: sqliteStore({ path: join(this.dir, `${id}.db`) }),
      transport: linked,
      delivery: { baseDelayMs: 5, maxDelayMs: 50, ...options.delivery },
      ...(options.clock && { clock: options.clock }),
    })
    const peer: HttpPeer = {
      id,
      ph,
      transport,
      link: () => {
        if (!link) throw new Error(`peer ${id}: the engine gave no link`)
        return link
      },
    }
    this.peers.set(id, peer)
    return peer
  }

  /**
   * Resolves once every engine's outbox is empty and no batch is in flight, twice in a row a
   * few ms apart (every worker woken first). Rejects after `timeoutMs` (real time).
   */
  async settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let quiet = 0
    while (quiet < 2) {
      for (const p of this.peers.values()) p.link().wake()
      await new Promise((r) => setTimeout(r, 5))
      let idle = true
      for (const p of this.peers.values()) if (!(await p.link().idle())) idle = false
      quiet = idle ? quiet + 1 : 0
      if (quiet < 2 && Date.now() > deadline) {
        throw new Error(`HttpPeers.settle: still busy after ${timeoutMs} ms`)
      }
    }
  }

  async close(): Promise<void> {
    for (const p of this.peers.values()) await p.ph.close()
    this.peers.clear()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Polls `ok` every 5 ms until it holds; rejects after `ms`. */
export async function waitFor(ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('waitFor: timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}
