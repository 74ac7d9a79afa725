import type { Pigeonhole } from '../engine.js'
import {
  type BatchFate,
  type CheckedFaults,
  checkFaults,
  drawFate,
  type NetworkFaults,
} from './faults.js'
import { type EngineLink, linkOf } from './link.js'
import { type OpenPeer, PeerHandles } from './peer-handles.js'
import {
  type Delivery,
  type DeliveryAck,
  type DeliveryReceiver,
  type Transport,
  TransportError,
} from './port.js'
import { randomSeed, streamOf } from './seeded-random.js'
import { macrotask, type SteppableClock, WireTimers } from './wire-timers.js'

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
  readonly #receivers = new Map<string, DeliveryReceiver>()
  readonly #links = new Map<string, EngineLink>()
  readonly #hook: DeliverHook | undefined
  readonly #faults: CheckedFaults | undefined
  readonly #timers: WireTimers
  readonly #handles: PeerHandles
  /** Per link (`from>to`): its random stream; the arrival time of its last in-order batch. */
  readonly #streams = new Map<string, () => number>()
  readonly #tails = new Map<string, number>()
  /** Sorted pairs `a|b` that cannot reach each other. */
  readonly #partitions = new Set<string>()
  readonly #crashed = new Set<string>()
  /** Bumped when a peer crashes: an answer from an earlier incarnation is lost. */
  readonly #incarnations = new Map<string, number>()
  /** Per peer, the calls of its engine waiting for an answer (a crash fails them). */
  readonly #calls = new Map<string, Set<(error: unknown) => void>>()
  /** Per peer, who waits for its engine's next `deliver` (settle). */
  readonly #sendWaiters = new Map<string, Set<() => void>>()
  /** Trips on the wire (requests, answers, duplicate copies), sleeping or not. */
  #running = 0
  /** Receivers running now. */
  #receiving = 0
  /** Bumped by everything that happens on the wire: settle waits until it stops moving. */
  #activity = 0

  constructor(options: MemoryNetworkOptions = {}) {
    this.#hook = options.deliver
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
    this.#faults = options.faults === undefined ? undefined : checkFaults(options.faults)
    this.#timers = new WireTimers(options.clock)
    this.#handles = new PeerHandles(this)
  }

  /** A transport for the engine of peer `peerId` (one address part, e.g. 'a'). */
  transport(peerId: string): Transport {
    return new MemoryTransport(this, peerId.toLowerCase())
  }

  /** The peers whose engines take deliveries now. */
  get peers(): string[] {
    return [...this.#receivers.keys()]
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
    this.#partitions.add(pairKey(a.toLowerCase(), b.toLowerCase()))
    this.#activity++
  }

  /** Ends the partition between `a` and `b`, or all of them. */
  heal(a?: string, b?: string): void {
    if (a !== undefined && b !== undefined) this.#partitions.delete(pairKey(a, b))
    else this.#partitions.clear()
    this.#activity++
  }

  /**
   * The engine of `peer` (opened with `open`) crashes: it is cut off at once (its calls
   * waiting for an answer fail, answers it was about to give are lost, batches on the way to
   * it find nobody), then closed; what it committed stays in its store. Batches it already
   * sent still arrive. `restart(peer)` reopens it.
   */
  async crash(peer: string): Promise<void> {
    const p = peer.toLowerCase()
    this.#crashed.add(p)
    this.#incarnations.set(p, (this.#incarnations.get(p) ?? 0) + 1)
    this.abandon(p, 'crashed')
    await this.#handles.crash(p)
  }

  /**
   * @internal Fails the calls of `peer`'s engine that wait for an answer: before it closes,
   * as a crash does, since a batch waiting on a manual clock that nobody moves any more would
   * keep `close()` waiting for good.
   */
  abandon(peer: string, why: 'crashed' | 'closed'): void {
    const lost = new TransportError(`memoryNetwork: peer "${peer}" ${why}`, { retryable: true })
    for (const fail of this.#calls.get(peer) ?? []) fail(lost)
    this.#activity++
  }

  /** Reopens a crashed peer's engine with its `open` (on its store); resolves once it runs. */
  async restart(peer: string): Promise<Pigeonhole> {
    const p = peer.toLowerCase()
    const handle = await this.#handles.restart(p, this.#incarnations.get(p) ?? 0)
    this.#crashed.delete(p)
    this.#activity++
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
  async advance(ms: number, options: SettleOptions = {}): Promise<void> {
    const clock = this.#requireClock('advance')
    const target = clock.now() + ms
    await this.#drive(options, target)
  }

  /**
   * Resolves once every engine of the network has an empty outbox and nothing is on the wire.
   * Without a clock: wakes every worker, waits in real time (rows waiting for a retry due
   * later keep it busy: advance the engines' clocks), rejects after `timeoutMs`. With a
   * clock: moves it to the next thing due (a batch arriving, a retry) step by step, and
   * rejects after `maxSteps` naming what is still pending (a partition not healed, a crashed
   * peer, ...), with the seed.
   */
  async settle(options: SettleOptions = {}): Promise<void> {
    if (this.clock) return this.#drive(options, undefined)
    const timeoutMs = options.timeoutMs ?? 10_000
    const deadline = Date.now() + timeoutMs
    let quiet = 0
    while (quiet < 2) {
      for (const link of this.#links.values()) link.wake()
      await macrotask()
      if (this.#running === 0 && (await this.#allIdle()) && this.#running === 0) quiet++
      else quiet = 0
      if (quiet < 2 && Date.now() > deadline) {
        throw new Error(
          `memoryNetwork(seed ${this.seed}).settle: still busy after ${timeoutMs} ms (${this.#running} batches in flight; peers ${[...this.#links.keys()].join(', ')}${this.#conditions()})`,
        )
      }
      if (quiet === 0) await new Promise((r) => setTimeout(r, 1))
    }
  }

  /**
   * Runs the network on its clock: quiesce, then move the clock to the earliest thing due,
   * until quiet (`until` undefined: settle) or until the clock reached `until` (advance).
   */
  async #drive(options: SettleOptions, until: number | undefined): Promise<void> {
    const what = until === undefined ? 'settle' : 'advance'
    const clock = this.#requireClock(what)
    const maxSteps = options.maxSteps ?? 10_000
    const deadline = Date.now() + (options.timeoutMs ?? 60_000)
    let quiet = 0
    for (let step = 0; ; step++) {
      const state = await this.#quiesce(what, deadline, step)
      if (this.#timers.fireDue() > 0) {
        quiet = 0
        continue
      }
      let next = this.#timers.next
      for (const peer of state.notIdle) {
        const due = await this.#links.get(peer)?.nextDue?.()
        if (due !== undefined) next = next === undefined ? due : Math.min(next, due)
      }
      const now = clock.now()
      if (until !== undefined && (next === undefined || next > until)) {
        if (now >= until) return
        clock.tick(until - now)
        continue
      }
      if (until !== undefined && now >= until) return
      const busy = state.notIdle.length > 0 || state.blocked.length > 0 || this.#running > 0
      if (!busy) {
        if (++quiet >= 2) return
        continue
      }
      quiet = 0
      if (next === undefined)
        throw this.#stuck(what, step, state, 'nothing is due that could change it')
      if (step >= maxSteps) throw this.#stuck(what, step, state, `gave up after ${maxSteps} steps`)
      // Something due now that did not go (it should have): a ms on, so time always moves.
      clock.tick(next > now ? next - now : 1)
    }
  }

  /**
   * Waits until nothing moves without the clock: no receiver running, no trip between two
   * hops, each engine either idle (a pass ended) or waiting for an answer. Returns which
   * engines have rows left and which wait for answers.
   */
  async #quiesce(
    what: string,
    deadline: number,
    step: number,
  ): Promise<{ notIdle: string[]; blocked: string[] }> {
    for (let round = 0; ; round++) {
      const before = this.#activity
      for (const link of this.#links.values()) link.wake()
      await macrotask()
      while (this.#running > this.#timers.pending || this.#receiving > 0) {
        if (Date.now() > deadline) {
          throw this.#stuck(what, step, undefined, 'timed out waiting for the wire to rest')
        }
        await macrotask()
      }
      const notIdle: string[] = []
      const blocked: string[] = []
      for (const [peer, link] of [...this.#links]) {
        if ((this.#calls.get(peer)?.size ?? 0) > 0) {
          blocked.push(peer)
          continue
        }
        const idle = await this.#idleOrSending(peer, link)
        if (idle === undefined) blocked.push(peer)
        else if (!idle) notIdle.push(peer)
      }
      if (before === this.#activity || round >= 50) return { notIdle, blocked }
      if (Date.now() > deadline) {
        throw this.#stuck(what, step, { notIdle, blocked }, 'timed out')
      }
    }
  }

  /** The engine's idle answer, or undefined as soon as it sends (it then waits for the wire). */
  async #idleOrSending(peer: string, link: EngineLink): Promise<boolean | undefined> {
    let wake!: () => void
    const sending = new Promise<undefined>((resolve) => {
      wake = () => resolve(undefined)
    })
    const waiters = this.#sendWaiters.get(peer) ?? new Set()
    this.#sendWaiters.set(peer, waiters)
    waiters.add(wake)
    try {
      return await Promise.race([link.idle(), sending])
    } finally {
      waiters.delete(wake)
    }
  }

  #stuck(
    what: string,
    step: number,
    state: { notIdle: string[]; blocked: string[] } | undefined,
    why: string,
  ): Error {
    const parts: string[] = []
    if (state?.notIdle.length) parts.push(`outbox not empty: ${state.notIdle.join(', ')}`)
    if (state?.blocked.length) parts.push(`waiting for an answer: ${state.blocked.join(', ')}`)
    if (this.#running > 0) {
      parts.push(
        `${this.#running} trips on the wire${this.#timers.next === undefined ? '' : ` (next due at ${this.#timers.next})`}`,
      )
    }
    return new Error(
      `memoryNetwork(seed ${this.seed}).${what}: ${why} (step ${step}, clock ${this.clock?.now()}; ${parts.join('; ') || 'nothing pending seen'}${this.#conditions()})`,
    )
  }

  /** Partitions and crashed peers, for error messages. */
  #conditions(): string {
    let s = ''
    if (this.#partitions.size > 0) s += `; partitioned: ${[...this.#partitions].join(', ')}`
    if (this.#crashed.size > 0) s += `; crashed: ${[...this.#crashed].join(', ')}`
    return s
  }

  #requireClock(what: string): SteppableClock {
    if (!this.clock) throw new Error(`memoryNetwork.${what}: needs memoryNetwork({ clock })`)
    return this.clock
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

  /** @internal The one delivery path (the hook wraps the wire). */
  async deliver(from: string, to: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    if (this.#crashed.has(from)) {
      throw new TransportError(`memoryNetwork: peer "${from}" crashed`, { retryable: true })
    }
    this.#activity++
    for (const wake of this.#sendWaiters.get(from) ?? []) wake()
    const calls = this.#calls.get(from) ?? new Set()
    this.#calls.set(from, calls)
    let fail!: (error: unknown) => void
    const failed = new Promise<never>((_, reject) => {
      fail = reject
    })
    calls.add(fail)
    const next = (b: readonly Delivery[]) => this.#carry(from, to, b)
    const work = this.#track(this.#hook ? this.#hook(from, to, batch, next) : next(batch))
    work.catch(() => {})
    try {
      return await Promise.race([work, failed])
    } finally {
      calls.delete(fail)
      this.#activity++
    }
  }

  /** Counts `work` as on the wire until it settles. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#running++
    return work.finally(() => {
      this.#running--
      this.#activity++
    })
  }

  /** The wire: the batch's fate drawn, an extra copy maybe, then the trip. */
  #carry(from: string, to: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    const wire = JSON.stringify(batch)
    if (!this.#faults) return this.#trip(from, to, wire, undefined)
    const link = `${from}>${to}`
    let random = this.#streams.get(link)
    if (!random) {
      random = streamOf(this.seed, `link:${link}`)
      this.#streams.set(link, random)
    }
    const fate = drawFate(this.#faults, random)
    if (fate.duplicateDelay !== undefined) {
      const copy = { ...fate, requestDelay: fate.duplicateDelay, dropRequest: false }
      this.#track(this.#trip(from, to, wire, copy)).catch(() => {})
    }
    return this.#trip(from, to, wire, fate)
  }

  async #trip(
    from: string,
    to: string,
    wire: string,
    fate: BatchFate | undefined,
  ): Promise<DeliveryAck[]> {
    const reorder = fate?.reorder ?? false
    await this.#travel(`${from}>${to}`, fate?.requestDelay ?? 0, reorder)
    this.#activity++
    const lost = (why: string) =>
      new TransportError(`memoryNetwork: ${from} → ${to}: ${why}`, { retryable: true })
    if (this.#cut(from, to) || fate?.dropRequest) {
      // The sender hears nothing: it gives up when the answer would have come.
      await this.#travel(`${to}>${from}`, fate?.answerDelay ?? 0, true)
      throw lost(
        this.#cut(from, to) ? 'unreachable (partitioned or crashed)' : 'the request was lost',
      )
    }
    const receiver = this.#receivers.get(to)
    if (!receiver) {
      throw new TransportError(`memoryNetwork: peer "${to}" is not reachable`, {
        retryable: true,
        status: 503,
      })
    }
    const incarnation = this.#incarnations.get(to) ?? 0
    let acks: DeliveryAck[]
    this.#receiving++
    try {
      acks = await receiver(from, JSON.parse(wire) as Delivery[])
    } catch (error) {
      throw new TransportError(
        `memoryNetwork: peer "${to}" failed: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, status: 500, cause: error },
      )
    } finally {
      this.#receiving--
      this.#activity++
    }
    const answer = JSON.stringify(acks)
    await this.#travel(`${to}>${from}`, fate?.answerDelay ?? 0, reorder)
    this.#activity++
    if (
      (this.#incarnations.get(to) ?? 0) !== incarnation ||
      this.#cut(from, to) ||
      fate?.dropAnswer
    ) {
      throw lost('the answer was lost after the peer committed')
    }
    return JSON.parse(answer) as DeliveryAck[]
  }

  /** One way over a link: `delay` ms, after the batches before it unless it may overtake them. */
  async #travel(link: string, delay: number, overtake: boolean): Promise<void> {
    let at = this.#timers.now() + delay
    if (!overtake) {
      at = Math.max(at, this.#tails.get(link) ?? 0)
      this.#tails.set(link, at)
    }
    await this.#timers.until(at)
  }

  #cut(a: string, b: string): boolean {
    return this.#crashed.has(a) || this.#crashed.has(b) || this.#partitions.has(pairKey(a, b))
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
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
