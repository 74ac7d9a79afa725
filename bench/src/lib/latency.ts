import type { Stats } from './measure.js'

/** The q-quantile (0..1) of samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

/**
 * Latency samples (ns) at one quantile, in the table's shape: `medianNs` holds the quantile
 * (the table prints it as the time of one operation), spread is (max - min) / that quantile.
 */
export function latencyStats(samples: readonly number[], q: number): Stats {
  const at = quantile(samples, q)
  return {
    medianNs: at,
    opsPerSec: 1e9 / at,
    spread: (Math.max(...samples) - Math.min(...samples)) / at,
  }
}
