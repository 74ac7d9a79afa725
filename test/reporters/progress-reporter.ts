import type { Reporter, TestModule, TestSpecification, Vitest } from 'vitest/node'

/**
 * One line per test file as it finishes, with how many files are done and the time so far, in
 * a terminal and in a CI log alike; and, when nothing finished for a while, a line naming the
 * files still running, so a long file is never a silent stretch.
 */
export class ProgressReporter implements Reporter {
  readonly #quietMs: number
  #log: (line: string) => void = (line) => console.log(line)
  #total = 0
  #done = 0
  #start = 0
  #lastLine = 0
  readonly #running = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined

  constructor(options: { quietMs?: number } = {}) {
    this.#quietMs = options.quietMs ?? 30_000
  }

  onInit(vitest: Vitest): void {
    this.#log = (line) => vitest.logger.log(line)
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.#total = specifications.length
    this.#done = 0
    this.#start = Date.now()
    this.#lastLine = this.#start
    this.#timer = setInterval(() => this.#heartbeat(), Math.min(5_000, this.#quietMs))
    this.#timer.unref()
  }

  onTestModuleStart(module: TestModule): void {
    this.#running.set(module.relativeModuleId, Date.now())
  }

  onTestModuleEnd(module: TestModule): void {
    this.#running.delete(module.relativeModuleId)
    this.#done += 1
    const tests = [...module.children.allTests()]
    const failed = tests.filter((t) => t.result().state === 'failed').length
    const mark = module.state() === 'failed' || failed > 0 ? '✗' : '✓'
    const width = String(this.#total).length
    const count = `[${String(this.#done).padStart(width)}/${this.#total}]`
    const what = `${tests.length} test${tests.length === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}`
    const took = seconds(module.diagnostic().duration)
    this.#line(
      `${count} ${mark} ${module.relativeModuleId} (${what}) ${took}, ${seconds(Date.now() - this.#start)} so far`,
    )
  }

  onTestRunEnd(): void {
    clearInterval(this.#timer)
    this.#running.clear()
  }

  #heartbeat(): void {
    const now = Date.now()
    if (this.#running.size === 0 || now - this.#lastLine < this.#quietMs) return
    const files = [...this.#running].map(([file, since]) => `${file} (${seconds(now - since)})`)
    this.#line(`… still running, ${seconds(now - this.#start)} so far: ${files.join(', ')}`)
  }

  #line(text: string): void {
    this.#lastLine = Date.now()
    this.#log(text)
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
