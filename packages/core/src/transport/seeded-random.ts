/**
 * The memory network's random source: mulberry32, a well-known 32-bit generator (one add, two
 * multiplies, a few shifts per draw). Not for secrets; for tests it is plenty: a full period
 * of 2^32, good statistical quality for picking faults, and a state that is one number, so a
 * run replays from its seed. Chosen over fast-check's generators because core must not depend
 * on fast-check (an optional peer dependency of `@pigeonhole/core/testing` only) and over
 * `Math.random`, which cannot be seeded.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A stream of its own for `name` under `seed` (FNV-1a of the name mixed into the seed): each
 * link and each engine draws from its own stream, so what one of them draws does not shift
 * the choices of the others (a replay stays exact when only their interleaving differs).
 */
export function streamOf(seed: number, name: string): () => number {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return mulberry32((seed ^ hash) >>> 0)
}

/** A random 32-bit seed, for a network created without one (it is printed on failure). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0
}
