/**
 * The periodic expiry sweep: requests nobody reads still end `Expired`. The timer does not keep
 * the process alive; a failed run is logged and the next one tries again.
 */
export class RequestSweep {
  readonly #timer: ReturnType<typeof setInterval> | undefined
  #running = false

  /** `intervalMs` 0: no timer. */
  constructor(run: () => Promise<unknown>, intervalMs: number) {
    if (intervalMs === 0) return
    this.#timer = setInterval(() => {
      // A slow run is not overlapped by the next tick.
      if (this.#running) return
      this.#running = true
      run()
        .catch((error: unknown) => {
          if ((error as { code?: unknown })?.code === 'closed') return
          console.error('pigeonhole: the request expiry sweep failed (it runs again)', error)
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
