import { type BatchFate, type CheckedFaults, drawFate } from './faults.js'
import type { DeliverHook } from './memory-network.js'
import { type Delivery, type DeliveryAck, type DeliveryReceiver, TransportError } from './port.js'
import { streamOf } from './seeded-random.js'
import type { WireTimers } from './wire-timers.js'

/** What the wire is made of (the network's options, checked). */
export interface WireOptions {
  seed: number
  hook: DeliverHook | undefined
  faults: CheckedFaults | undefined
  timers: WireTimers
  /** Called when `from`'s engine sends a batch (settle waits for it). */
  sent: (from: string) => void
}

/**
 * The memory network's wire: every batch from one engine to another (the hook, the faults, a
 * hop each way, copied as JSON), the partitions and crashed peers that cut it, and the counts
 * of what moves on it, which settling watches.
 */
export class MemoryWire {
  readonly #seed: number
  readonly #sent: (from: string) => void
  readonly #receivers = new Map<string, DeliveryReceiver>()
  readonly #hook: DeliverHook | undefined
  readonly #faults: CheckedFaults | undefined
  readonly #timers: WireTimers
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
  #running = 0
  #receiving = 0
  #activity = 0

  constructor(options: WireOptions) {
    this.#seed = options.seed
    this.#hook = options.hook
    this.#faults = options.faults
    this.#timers = options.timers
    this.#sent = options.sent
  }

  /** Trips on the wire (requests, answers, duplicate copies), sleeping or not. */
  get running(): number {
    return this.#running
  }

  /** Receivers running now. */
  get receiving(): number {
    return this.#receiving
  }

  /** Bumped by everything that happens on the wire: settle waits until it stops moving. */
  get activity(): number {
    return this.#activity
  }

  /** The peers whose engines take deliveries now. */
  get peers(): string[] {
    return [...this.#receivers.keys()]
  }

  /** How many calls of `peer`'s engine wait for an answer. */
  waiting(peer: string): number {
    return this.#calls.get(peer)?.size ?? 0
  }

  /** `a` and `b` cannot reach each other (both ways) until `heal()`. */
  partition(a: string, b: string): void {
    this.#partitions.add(pairKey(a, b))
    this.#activity++
  }

  /** Ends the partition between `a` and `b`, or all of them. */
  heal(a?: string, b?: string): void {
    if (a !== undefined && b !== undefined) this.#partitions.delete(pairKey(a, b))
    else this.#partitions.clear()
    this.#activity++
  }

  /** `peer` is cut off, and its answers from this incarnation on are lost. */
  crash(peer: string): void {
    this.#crashed.add(peer)
    this.#incarnations.set(peer, (this.#incarnations.get(peer) ?? 0) + 1)
  }

  /** The number of times `peer` crashed. */
  incarnation(peer: string): number {
    return this.#incarnations.get(peer) ?? 0
  }

  /** `peer` runs again after a crash. */
  restarted(peer: string): void {
    this.#crashed.delete(peer)
    this.#activity++
  }

  /** Fails the calls of `peer`'s engine that wait for an answer (see `MemoryNetwork.abandon`). */
  abandon(peer: string, why: 'crashed' | 'closed'): void {
    const lost = new TransportError(`memoryNetwork: peer "${peer}" ${why}`, { retryable: true })
    for (const fail of this.#calls.get(peer) ?? []) fail(lost)
    this.#activity++
  }

  /** Partitions and crashed peers, for error messages. */
  conditions(): string {
    let s = ''
    if (this.#partitions.size > 0) s += `; partitioned: ${[...this.#partitions].join(', ')}`
    if (this.#crashed.size > 0) s += `; crashed: ${[...this.#crashed].join(', ')}`
    return s
  }

  /** `peer`'s engine takes deliveries (`on`), or no longer. */
  attach(peer: string, receiver: DeliveryReceiver, on: boolean): void {
    if (on) this.#receivers.set(peer, receiver)
    else if (this.#receivers.get(peer) === receiver) this.#receivers.delete(peer)
  }

  /** The one delivery path (the hook wraps the wire). */
  async deliver(from: string, to: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    if (this.#crashed.has(from)) {
      throw new TransportError(`memoryNetwork: peer "${from}" crashed`, { retryable: true })
    }
    this.#activity++
    this.#sent(from)
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
      random = streamOf(this.#seed, `link:${link}`)
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
