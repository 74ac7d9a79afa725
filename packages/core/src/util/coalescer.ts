/**
 * Runs a job on request, one run at a time. Requests made while a run is going are served
 * together by one more run that starts after them; each request resolves after such a run.
 */
export class Coalescer {
  readonly #job: () => Promise<void>
  readonly #waiting: { ticket: number; resolve: () => void }[] = []
  #asked = 0
  #running: Promise<void> | undefined

  /** `job` must not reject (report its own failures). */
  constructor(job: () => Promise<void>) {
    this.#job = job
  }

  request(): Promise<void> {
    const ticket = ++this.#asked
    const done = new Promise<void>((resolve) => this.#waiting.push({ ticket, resolve }))
    this.#running ??= this.#loop()
    return done
  }

  /** Resolves when no run is going. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running
  }

  async #loop(): Promise<void> {
    let served = 0
    while (served < this.#asked) {
      const covers = this.#asked
      await this.#job()
      served = covers
      while (this.#waiting.length > 0 && this.#waiting[0]!.ticket <= served) {
        this.#waiting.shift()!.resolve()
      }
    }
    this.#running = undefined
  }
}
