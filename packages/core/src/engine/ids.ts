import { monotonicFactory } from 'ulidx'
import type { Clock, IdGenerator } from '../types.js'

/**
 * Sortable ids prefixed by kind: `msg_01JD...`. ULIDs from ulidx (monotonic within one
 * millisecond), seeded by the engine's clock so an injected clock also orders ids.
 */
export function ulidIds(clock: Clock): IdGenerator {
  const ulid = monotonicFactory()
  return { next: (kind) => `${kind}_${ulid(clock.now())}` }
}

export const systemClock: Clock = { now: () => Date.now() }
