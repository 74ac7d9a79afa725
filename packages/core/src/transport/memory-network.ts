import { type EngineLink, linkOf } from './link.js'
import {
  type Delivery,
  type DeliveryAck,
  type DeliveryReceiver,
  type Transport,
  TransportError,
} from './port.js'

/**
 * The one path every delivery of the network takes: `from` sends `batch` to `to`, and gets
 * the acks. `next` is the plain hop (a macrotask each way, the batch and the answer copied as
 * JSON, as a wire would). Extension point for faults (drop, duplicate, delay, reorder,
 * partition, a seeded random source, an injected clock): wrap `next`, e.g. drop the answer
 * after `next` resolved (the peer committed, the sender never hears), call `next` twice
 * (duplicate), or throw a `TransportError` without calling it (partition).
 */
export type DeliverHook = (
  from: string,
  to: string,
  batch: readonly Delivery[],
  next: (batch: readonly Delivery[]) => Promise<DeliveryAck[]>,
) => Promise<DeliveryAck[]>

export interface MemoryNetworkOptions {
  /** Wraps every delivery (see `DeliverHook`). Default: none, every batch goes through. */
  deliver?: DeliverHook
}

export interface SettleOptions {
  /** Rejects after this many ms (real time) if the network is still busy. Default 10000. */
  timeoutMs?: number
}

/**
 * Engines in one process delivering to each other, for tests and examples:
 * `const net = memoryNetwork()`, then `openPigeonhole({ store, transport: net.transport('a') })`
 * and the same with 'b'; `alice@a` writes to `bob@b`. Asynchronous like a wire (a macrotask
 * hop each way), at least once like one (the engines deduplicate). `settle()` resolves once
 * every outbox of the network is empty and nothing is in flight.
 *
 * Extension points (faults, built on this network later): `options.deliver` wraps the one
 * delivery path (`#deliver`); `transport(peer)` after an engine closed gives the restarted
 * engine its transport (crash/restart); an engine's outbox due times follow its own injected
 * clock (advance it, then `settle()`).
 */
export function memoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  return new MemoryNetwork(options)
}

export class MemoryNetwork {
  readonly #receivers = new Map<string, DeliveryReceiver>()
  readonly #links = new Map<string, EngineLink>()
  readonly #hook: DeliverHook | undefined
  #inFlight = 0

  constructor(options: MemoryNetworkOptions = {}) {
    this.#hook = options.deliver
  }

  /** A transport for the engine of peer `peerId` (one address part, e.g. 'a'). */
  transport(peerId: string): Transport {
    return new MemoryTransport(this, peerId.toLowerCase())
  }

  /** The peers whose engines take deliveries now. */
  get peers(): string[] {
    return [...this.#receivers.keys()]
  }

  /**
   * Resolves once every engine of the network has an empty outbox and no delivery is in
   * flight (checked twice in a row, a macrotask apart). Wakes every worker first, so rows that
   * are due go now; rows waiting for a due time in the future (a retry's backoff) keep it
   * busy: advance the engines' clocks. Rejects after `timeoutMs`.
   */
  async settle(options: SettleOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000)
    let quiet = 0
    while (quiet < 2) {
      for (const link of this.#links.values()) link.wake()
      await hop()
      if (this.#inFlight === 0 && (await this.#allIdle()) && this.#inFlight === 0) quiet++
      else quiet = 0
      if (quiet < 2 && Date.now() > deadline) {
        throw new Error(
          `memoryNetwork.settle: still busy after ${options.timeoutMs ?? 10_000} ms (${this.#inFlight} batches in flight; peers ${[...this.#links.keys()].join(', ')})`,
        )
      }
      if (quiet === 0) await new Promise((r) => setTimeout(r, 1))
    }
  }

  async #allIdle(): Promise<boolean> {
    for (const link of this.#links.values()) if (!(await link.idle())) return false
    return true
  }

  /** @internal */
  attach(peer: string, receiver: DeliveryReceiver, on: boolean): void {
    if (on) this.#receivers.set(peer, receiver)
    else if (this.#receivers.get(peer) === receiver) this.#receivers.delete(peer)
  }

  /** @internal */
  link(peer: string, link: EngineLink, on: boolean): void {
    if (on) this.#links.set(peer, link)
    else if (this.#links.get(peer) === link) this.#links.delete(peer)
  }

  /** @internal The one delivery path (faults wrap it through `options.deliver`). */
  async deliver(from: string, to: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    this.#inFlight++
    try {
      const next = (b: readonly Delivery[]) => this.#hop(from, to, b)
      return await (this.#hook ? this.#hook(from, to, batch, next) : next(batch))
    } finally {
      this.#inFlight--
    }
  }

  async #hop(from: string, to: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    const wire = JSON.stringify(batch)
    await hop()
    const receiver = this.#receivers.get(to)
    if (!receiver) {
      throw new TransportError(`memoryNetwork: peer "${to}" is not reachable`, {
        retryable: true,
        status: 503,
      })
    }
    let acks: DeliveryAck[]
    try {
      acks = await receiver(from, JSON.parse(wire) as Delivery[])
    } catch (error) {
      throw new TransportError(
        `memoryNetwork: peer "${to}" failed: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, status: 500, cause: error },
      )
    }
    const answer = JSON.stringify(acks)
    await hop()
    return JSON.parse(answer) as DeliveryAck[]
  }
}

/** A peer's end of the memory network. */
class MemoryTransport implements Transport {
  readonly peerId: string
  readonly #net: MemoryNetwork
  #started = false
  #receiver: DeliveryReceiver | undefined
  #link: EngineLink | undefined

  constructor(net: MemoryNetwork, peerId: string) {
    this.#net = net
    this.peerId = peerId
  }

  async start(receiver: DeliveryReceiver): Promise<void> {
    this.#started = true
    this.#receiver = receiver
    this.#net.attach(this.peerId, receiver, true)
    this.#link = linkOf(receiver)
    if (this.#link) this.#net.link(this.peerId, this.#link, true)
  }

  async deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    if (!this.#started) {
      throw new TransportError(`memoryNetwork: transport "${this.peerId}" is stopped`, {
        retryable: true,
      })
    }
    return this.#net.deliver(this.peerId, peer, batch)
  }

  async stop(): Promise<void> {
    this.#started = false
    if (this.#receiver) this.#net.attach(this.peerId, this.#receiver, false)
    if (this.#link) this.#net.link(this.peerId, this.#link, false)
  }
}

/** A macrotask: what a wire takes at least. */
function hop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
