import type { EngineLink } from './link.js'
import type { SettleOptions } from './memory-network.js'
import type { MemoryWire } from './memory-wire.js'
import { macrotask, type SteppableClock, type WireTimers } from './wire-timers.js'

/**
 * Settling the memory network: waking its engines and waiting until nothing moves (`settle`),
 * and, with a clock, moving it to the next thing due step by step (`settle`, `advance`),
 * naming what is still pending when it gives up.
 */
export class Settler {
  readonly #seed: number
  readonly #clock: SteppableClock | undefined
  readonly #wire: MemoryWire
  readonly #timers: WireTimers
  readonly #links = new Map<string, EngineLink>()
  /** Per peer, who waits for its engine's next `deliver` (settle). */
  readonly #sendWaiters = new Map<string, Set<() => void>>()

  constructor(
    seed: number,
    clock: SteppableClock | undefined,
    wire: MemoryWire,
    timers: WireTimers,
  ) {
    this.#seed = seed
    this.#clock = clock
    this.#wire = wire
    this.#timers = timers
  }

  /** `peer`'s engine link: woken and asked when settling (`on`), or no longer. */
  link(peer: string, link: EngineLink, on: boolean): void {
    if (on) this.#links.set(peer, link)
    else if (this.#links.get(peer) === link) this.#links.delete(peer)
  }

  /** `peer`'s engine sent a batch: it now waits for the wire, not for itself. */
  sent(peer: string): void {
    for (const wake of this.#sendWaiters.get(peer) ?? []) wake()
  }

  /** See `MemoryNetwork.advance`. */
  async advance(ms: number, options: SettleOptions): Promise<void> {
    const clock = this.#requireClock('advance')
    const target = clock.now() + ms
    await this.#drive(options, target)
  }

  /** See `MemoryNetwork.settle`. */
  async settle(options: SettleOptions): Promise<void> {
    if (this.#clock) return this.#drive(options, undefined)
    const timeoutMs = options.timeoutMs ?? 10_000
    const deadline = Date.now() + timeoutMs
    let quiet = 0
    while (quiet < 2) {
      for (const link of this.#links.values()) link.wake()
      await macrotask()
      if (this.#wire.running === 0 && (await this.#allIdle()) && this.#wire.running === 0) quiet++
      else quiet = 0
      if (quiet < 2 && Date.now() > deadline) {
        throw new Error(
          `memoryNetwork(seed ${this.#seed}).settle: still busy after ${timeoutMs} ms (${this.#wire.running} batches in flight; peers ${[...this.#links.keys()].join(', ')}${this.#wire.conditions()})`,
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
      const busy = state.notIdle.length > 0 || state.blocked.length > 0 || this.#wire.running > 0
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
      const before = this.#wire.activity
      for (const link of this.#links.values()) link.wake()
      await macrotask()
      while (this.#wire.running > this.#timers.pending || this.#wire.receiving > 0) {
        if (Date.now() > deadline) {
          throw this.#stuck(what, step, undefined, 'timed out waiting for the wire to rest')
        }
        await macrotask()
      }
      const notIdle: string[] = []
      const blocked: string[] = []
      for (const [peer, link] of [...this.#links]) {
        if (this.#wire.waiting(peer) > 0) {
          blocked.push(peer)
          continue
        }
        const idle = await this.#idleOrSending(peer, link)
        if (idle === undefined) blocked.push(peer)
        else if (!idle) notIdle.push(peer)
      }
      if (before === this.#wire.activity || round >= 50) return { notIdle, blocked }
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
    if (this.#wire.running > 0) {
      parts.push(
        `${this.#wire.running} trips on the wire${this.#timers.next === undefined ? '' : ` (next due at ${this.#timers.next})`}`,
      )
    }
    return new Error(
      `memoryNetwork(seed ${this.#seed}).${what}: ${why} (step ${step}, clock ${this.#clock?.now()}; ${parts.join('; ') || 'nothing pending seen'}${this.#wire.conditions()})`,
    )
  }

  #requireClock(what: string): SteppableClock {
    if (!this.#clock) throw new Error(`memoryNetwork.${what}: needs memoryNetwork({ clock })`)
    return this.#clock
  }

  async #allIdle(): Promise<boolean> {
    for (const link of this.#links.values()) if (!(await link.idle())) return false
    return true
  }
}
