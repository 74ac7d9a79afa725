/**
 * A periodic sweep (requests past `expiresAt` nobody reads end `Expired`; expired and orphan
 * files are deleted). The timer does not keep the process alive; a failed run is logged and
 * the next one tries again.
 */
export class PeriodicSweep {
  readonly #timer: ReturnType<typeof setInterval> | undefined
  #running = false

  /** `intervalMs` 0: no timer. `what` names it in the log. */
  constructor(what: string, run: () => Promise<unknown>, intervalMs: number) {
    if (intervalMs === 0) return
    this.#timer = setInterval(() => {
      // A slow run is not overlapped by the next tick.
      if (this.#running) return
      this.#running = true
      run()
        .catch((error: unknown) => {
          if ((error as { code?: unknown })?.code === 'closed') return
          console.error(`pigeonhole: the ${what} failed (it runs again)`, error)
        })
        .finally(() => {
          this.#running = false
        })
    }, intervalMs)
    this.#timer.unref?.()
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
  }
}
