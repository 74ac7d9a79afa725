import type { SendInput } from '@pigeonhole/core'

/**
 * What the crash child prints on stdout, one JSON object a line. A line is printed only after
 * the promise it reports resolved, so every `ack` and `read` names a committed change.
 */
export type ChildLine =
  /** The child is about to open the engine (first open: migrations run now). */
  | { t: 'opening' }
  /** The engine is open and the accounts exist. */
  | { t: 'ready' }
  /** A keyed send is about to start: if no `ack` follows, the next child retries it. */
  | { t: 'try'; key: string; send: SendInput }
  /** A send (or one item of a sendMany) resolved with this message id. */
  | {
      t: 'ack'
      id: string
      from: string
      to: string
      key?: string
      /** For a retried keyed send: stored now, or found stored before the kill. */
      retried?: 'created' | 'duplicate'
    }
  /** markRead resolved: this owner's entry of this message is read. */
  | { t: 'read'; owner: string; id: string }
  /** Something the child did not expect; the child exits after printing it. */
  | { t: 'fail'; error: string }

export function formatLine(line: ChildLine): string {
  return `${JSON.stringify(line)}\n`
}

export function parseLine(text: string): ChildLine {
  return JSON.parse(text) as ChildLine
}

/**
 * The store's durability the child runs with. 'full' (group commit on): every acknowledged
 * change is fsynced, so it would survive a power cut too; a SIGKILL checks that group commit
 * acknowledges nothing before its commit returned.
 */
export const crashModes = ['normal', 'full'] as const
export type CrashMode = (typeof crashModes)[number]

/** The accounts the child sends between. */
export const crashAccounts = ['alice', 'bob', 'carol', 'dave'] as const

/** A small seeded generator (mulberry32): a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
