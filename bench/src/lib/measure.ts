/** One operation of a subject; a reference may be synchronous. */
export type Operation = () => unknown

/** How much to run: warm-up operations, then `samples` samples of `opsPerSample` each. */
export interface SamplePlan {
  warmupOps: number
  samples: number
  opsPerSample: number
}

export interface Stats {
  /** Median time of one operation, in nanoseconds. */
  medianNs: number
  /** Operations per second at the median. */
  opsPerSec: number
  /** (slowest - fastest sample) / median: how steady the samples were. */
  spread: number
}

async function runOps(op: Operation, count: number): Promise<bigint> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) {
    const result = op()
    // Await only real promises: a synchronous reference pays no microtask per operation.
    if (result instanceof Promise) await result
  }
  return process.hrtime.bigint() - start
}

function stats(perOpNs: number[]): Stats {
  const sorted = [...perOpNs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const medianNs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return {
    medianNs,
    opsPerSec: 1e9 / medianNs,
    spread: (sorted[sorted.length - 1]! - sorted[0]!) / medianNs,
  }
}

/**
 * Measures the engine and its reference in the same run: both warm up, then their samples
 * alternate, so drift in the machine (heat, other load, GC) falls on both alike.
 */
export async function measurePair(
  engine: Operation,
  reference: Operation,
  plan: SamplePlan,
): Promise<{ engine: Stats; reference: Stats }> {
  const [e, r] = await measureAlternating([engine, reference], plan)
  return { engine: e!, reference: r! }
}

/** Like `measurePair` for any number of subjects: all warm up, then their samples alternate. */
export async function measureAlternating(
  subjects: readonly Operation[],
  plan: SamplePlan,
): Promise<Stats[]> {
  for (const op of subjects) await runOps(op, plan.warmupOps)
  const samples: number[][] = subjects.map(() => [])
  for (let s = 0; s < plan.samples; s++) {
    for (const [i, op] of subjects.entries()) {
      samples[i]!.push(Number(await runOps(op, plan.opsPerSample)) / plan.opsPerSample)
    }
  }
  return samples.map(stats)
}
