import type { BenchEnv } from './case.js'
import { shortSize } from './inbox-files.js'
import type { Stats } from './measure.js'

/** The project's bound: the figure at the largest box within 1.3× of the figure at the smallest. */
export const growthTarget = 1.3

/**
 * How a figure grows from the smallest box to the largest: time at the largest / time at the
 * smallest, for the engine and the reference, with met / not met against `growthTarget`. The
 * engine's growth goes to the summary as the figure `growth <span> of <what>`.
 */
export function growthLine(
  env: BenchEnv,
  what: string,
  bySize: ReadonlyMap<number, { engine: Stats; reference: Stats }>,
): string {
  const sizes = [...bySize.keys()].sort((a, b) => a - b)
  const small = bySize.get(sizes[0]!)!
  const large = bySize.get(sizes[sizes.length - 1]!)!
  const engine = large.engine.medianNs / small.engine.medianNs
  const reference = large.reference.medianNs / small.reference.medianNs
  const span = `${shortSize(sizes[sizes.length - 1]!)}/${shortSize(sizes[0]!)}`
  env.figure(`growth ${span} of ${what}`, 'growth', engine)
  const verdict = engine <= growthTarget ? 'met' : 'NOT met'
  return `growth ${span} of ${what}: engine ${engine.toFixed(2)}× (target ≤ ${growthTarget}×: ${verdict}), reference ${reference.toFixed(2)}×`
}
