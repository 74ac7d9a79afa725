import type { Pigeonhole } from '../engine.js'
import { checkFaults, type NetworkFaults } from './faults.js'
import type { EngineLink } from './link.js'
import { MemoryTransport } from './memory-transport.js'
import { MemoryWire } from './memory-wire.js'
import { type OpenPeer, PeerHandles } from './peer-handles.js'
import type { Delivery, DeliveryAck, DeliveryReceiver, Transport } from './port.js'
import { randomSeed, streamOf } from './seeded-random.js'
import { Settler } from './settle.js'
import { type SteppableClock, WireTimers } from './wire-timers.js'

/**
 * The one path every delivery of the network takes: `from` sends `batch` to `to`, and gets
 * the acks. `next` is the wire (the faults of `options.faults`, then a hop each way, the batch
 * and the answer copied as JSON, as a wire would). Wrap it for faults of your own: drop the
 * answer after `next` resolved (the peer committed, the sender never hears), call `next`
 * twice (duplicate), or throw a `TransportError` without calling it (partition).
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
  /**
   * The seed of every random choice of the network (faults, and the engines' jitter through
   * `open`): the same seed, the same run. Default: a random one; `network.seed` tells which,
   * and `settle()`'s errors print it.
   */
  seed?: number
  /** What goes wrong on the wire (see `NetworkFaults`). Default: nothing. */
  faults?: NetworkFaults
  /**
   * A clock the network moves (`ManualClock`, or any `{ now(), tick(ms) }`): give the same one
   * to the engines. The wire's delays run on it, and `settle()` / `advance(ms)` move it to the
   * next thing due (a batch arriving, an engine's retry), so nothing sleeps for real. Default:
   * none (delays in real time; `settle()` waits in real time and never moves engine clocks).
   */
  clock?: SteppableClock
}

export interface SettleOptions {
  /** Rejects after this many ms (real time) if the network is still busy. Default 10000 (60000 with a clock). */
  timeoutMs?: number
  /**
   * With a clock: rejects after this many steps (one step: the clock moved to the next thing
   * due, or a batch arrived), naming what is still pending. Default 10000.
   */
  maxSteps?: number
}

/**
 * Engines in one process delivering to each other, for tests and examples:
 * `const net = memoryNetwork()`, then `openPigeonhole({ store, transport: net.transport('a') })`
 * and the same with 'b'; `alice@a` writes to `bob@b`. Asynchronous like a wire (a macrotask
 * hop each way), at least once like one (the engines deduplicate). `settle()` resolves once
 * every outbox of the network is empty and nothing is in flight.
 *
 * Also a fault simulator, for your tests as for ours: `memoryNetwork({ seed, faults: { drop,
 * duplicate, delayMs, reorder }, clock })`, `partition('a', 'b')` / `heal()`, and, for engines
 * opened with `net.open(peer, open)`, `crash(peer)` / `restart(peer)`. Every random choice
 * comes from `seed`; with `clock`, time moves only through the network (see the transports
 * section of the README).
 */
export function memoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  return new MemoryNetwork(options)
}

export class MemoryNetwork {
  /** The seed of this network's random choices: pass it back to replay a run. */
  readonly seed: number
  /** The network's clock (the `clock` option), if any. */
  readonly clock: SteppableClock | undefined
  readonly #wire: MemoryWire
  readonly #settler: Settler
  readonly #handles: PeerHandles

  constructor(options: MemoryNetworkOptions = {}) {
    this.seed = options.seed === undefined ? randomSeed() : options.seed >>> 0
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new RangeError(`memoryNetwork: seed: expected a whole number, got ${options.seed}`)
    }
    if (
      options.clock !== undefined &&
      (typeof options.clock?.now !== 'function' || typeof options.clock?.tick !== 'function')
    ) {
      throw new TypeError('memoryNetwork: clock: expected { now(): number, tick(ms): unknown }')
    }
    this.clock = options.clock
    const faults = options.faults === undefined ? undefined : checkFaults(options.faults)
    const timers = new WireTimers(options.clock)
    this.#wire = new MemoryWire({
      seed: this.seed,
      hook: options.deliver,
      faults,
      timers,
      sent: (peer) => this.#settler.sent(peer),
    })
    this.#settler = new Settler(this.seed, this.clock, this.#wire, timers)
    this.#handles = new PeerHandles(this)
  }

  /** A transport for the engine of peer `peerId` (one address part, e.g. 'a'). */
  transport(peerId: string): Transport {
    return new MemoryTransport(this, peerId.toLowerCase())
  }

  /** The peers whose engines take deliveries now. */
  get peers(): string[] {
    return this.#wire.peers
  }

  /** A random source of its own for `name` (e.g. an engine's `delivery.random`), from the seed. */
  random(name: string): () => number {
    return streamOf(this.seed, name)
  }

  /**
   * Opens the engine of `peer` with `open` and keeps `open` to reopen it after `crash(peer)`.
   * `open` gets the peer's transport, the network's clock and a seeded random source for the
   * engine's jitter; it must open the engine on the peer's store (a SQLite file, a PostgreSQL
   * schema, or a store kept open across restarts: see `@pigeonhole/core/testing`'s
   * `reopenable`). `:memory:` SQLite opened anew in `open` starts empty after a restart.
   * Resolves with a handle that always calls the peer's current engine.
   */
  open(peer: string, open: OpenPeer): Promise<Pigeonhole> {
    return this.#handles.open(peer.toLowerCase(), open)
  }

  /** The handle of an engine opened with `open(peer)`. */
  engine(peer: string): Pigeonhole {
    return this.#handles.handle(peer.toLowerCase())
  }

  /** `a` and `b` cannot reach each other (both ways) until `heal()`; batches on the way are lost. */
  partition(a: string, b: string): void {
    this.#wire.partition(a.toLowerCase(), b.toLowerCase())
  }

  /** Ends the partition between `a` and `b`, or all of them. */
  heal(a?: string, b?: string): void {
    this.#wire.heal(a, b)
  }

  /**
   * The engine of `peer` (opened with `open`) crashes: it is cut off at once (its calls
   * waiting for an answer fail, answers it was about to give are lost, batches on the way to
   * it find nobody), then closed; what it committed stays in its store. Batches it already
   * sent still arrive. `restart(peer)` reopens it.
   */
  async crash(peer: string): Promise<void> {
    const p = peer.toLowerCase()
    this.#wire.crash(p)
    this.abandon(p, 'crashed')
    await this.#handles.crash(p)
  }

  /**
   * @internal Fails the calls of `peer`'s engine that wait for an answer: before it closes,
   * as a crash does, since a batch waiting on a manual clock that nobody moves any more would
   * keep `close()` waiting for good.
   */
  abandon(peer: string, why: 'crashed' | 'closed'): void {
    this.#wire.abandon(peer, why)
  }

  /** Reopens a crashed peer's engine with its `open` (on its store); resolves once it runs. */
  async restart(peer: string): Promise<Pigeonhole> {
    const p = peer.toLowerCase()
    const handle = await this.#handles.restart(p, this.#wire.incarnation(p))
    this.#wire.restarted(p)
    return handle
  }

  /** Closes every engine opened with `open`. */
  async close(): Promise<void> {
    await this.#handles.closeAll()
  }

  /**
   * With a clock: moves it forward by `ms`, stopping at everything due on the way (batches
   * arriving, engines' retries) so each happens at its time. Resolves when the network is
   * quiet at the new time.
   */
  advance(ms: number, options: SettleOptions = {}): Promise<void> {
    return this.#settler.advance(ms, options)
  }

  /**
   * Resolves once every engine of the network has an empty outbox and nothing is on the wire.
   * Without a clock: wakes every worker, waits in real time (rows waiting for a retry due
   * later keep it busy: advance the engines' clocks), rejects after `timeoutMs`. With a
   * clock: moves it to the next thing due (a batch arriving, a retry) step by step, and
   * rejects after `maxSteps` naming what is still pending (a partition not healed, a crashed
   * peer, ...), with the seed.
   */
  settle(options: SettleOptions = {}): Promise<void> {
    return this.#settler.settle(options)
  }

  /** @internal */
  attach(peer: string, receiver: DeliveryReceiver, on: boolean): void {
    this.#wire.attach(peer, receiver, on)
  }

  /** @internal */
  link(peer: string, link: EngineLink, on: boolean): void {
    this.#settler.link(peer, link, on)
  }

  /** @internal The one delivery path (the hook wraps the wire). */
  deliver(from: string, to: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    return this.#wire.deliver(from, to, batch)
  }
}
