import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Heap in use plus array buffers (outside the heap), and the resident set, in bytes. */
export function memoryNow(): { heap: number; rss: number } {
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss }
}

let gc: (() => void) | undefined

/**
 * A full collection, then a pause (V8 frees array buffers off-thread): a baseline the garbage
 * of the cases before does not inflate, or the live memory at a moment.
 */
export async function collectGarbage(pauseMs = 50): Promise<void> {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
  if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
}
