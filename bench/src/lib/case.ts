import type { SamplePlan, Stats } from './measure.js'
import type { TargetKind } from './summary.js'

/** What a case gets from the runner. */
export interface BenchEnv {
  /** Tiny sizes and few samples: for CI, so the benchmarks keep running. */
  quick: boolean
  /** A fresh temporary directory for the case's database files. */
  dir: string
  log(line: string): void
  /**
   * Reports a figure that is not a pair row (a growth, a peak of memory, a time), under a
   * label targets can attach to (src/targets.ts). Log it too: this only feeds the summary.
   */
  figure(row: string, kind: Exclude<TargetKind, 'ratio'>, value: number): void
}

/** One line of the table: the engine and its raw-driver reference doing the same work. */
export interface BenchRow {
  case: string
  /** What one operation is, e.g. "one-to-one send". */
  measure: string
  engine: Stats
  reference: Stats
}

/** A benchmark: one file under cases/, listed in cases/index.ts. */
export interface BenchCase {
  name: string
  /** One sentence for --help and the README. */
  summary: string
  run(env: BenchEnv): Promise<BenchRow[]>
}

/** Picks the quick or the full plan. */
export function planFor(env: BenchEnv, quick: SamplePlan, full: SamplePlan): SamplePlan {
  return env.quick ? quick : full
}
