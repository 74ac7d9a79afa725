import { randomFillSync } from 'node:crypto'
import { monotonicFactory } from 'ulidx'
import type { Clock, IdGenerator } from '../types.js'

/**
 * Sortable ids prefixed by kind: `msg_01JD...`. ULIDs from ulidx (monotonic within one
 * millisecond), seeded by the engine's clock so an injected clock also orders ids.
 */
export function ulidIds(clock: Clock): IdGenerator {
  const ulid = monotonicFactory(pooledRandom())
  return { next: (kind) => `${kind}_${ulid(clock.now())}` }
}

export const systemClock: Clock = { now: () => Date.now() }

/**
 * ulidx's default draws one crypto byte per character (16 calls per id, a few % of a send);
 * this draws the same crypto bytes from a pool filled 4 KiB at a time. ulidx maps a value v to
 * the character floor(v * 32): (byte & 31) / 32 gives each of the 32 exactly 1/32.
 */
function pooledRandom(): () => number {
  const pool = new Uint8Array(4096)
  let next = pool.length
  return () => {
    if (next === pool.length) {
      randomFillSync(pool)
      next = 0
    }
    return (pool[next++]! & 31) / 32
  }
}
