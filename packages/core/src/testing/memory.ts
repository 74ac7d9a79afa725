import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** A full collection on demand, to tell memory still held from garbage not yet collected. */
function collect(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

/** Heap plus array buffers now, in bytes: what streaming tests bound. */
export function usedMemory(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * What is still held, after full collections: the least of three collect-and-pause rounds.
 * V8 frees array buffers off the main thread; under load one pause may end before it has
 * released a buffer already let go of, which is garbage, not memory anything holds.
 */
export async function settledMemory(): Promise<number> {
  let least = Number.POSITIVE_INFINITY
  for (let round = 0; round < 3; round++) {
    collect()
    await new Promise((resolve) => setTimeout(resolve, 10))
    least = Math.min(least, usedMemory())
  }
  return least
}
