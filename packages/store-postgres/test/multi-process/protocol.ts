/** Messages between the multi-process test and its child processes (over the IPC channel). */

/** What one child did, for the parent to check against the final state. */
export interface ChildStats {
  /** Sends without a key that were stored. */
  created: number
  read: number
  unread: number
  moved: number
  deleted: number
  edits: number
  conflicts: number
  notFound: number
  reads: number
  /** Any error other than the expected races (not_found, version_conflict). */
  unexpected: string[]
}

/** A logged event: cursor, type, owner, message id. */
export type LoggedEvent = [number, string, string | null, string | null]

export type ToParent =
  | { type: 'ready'; start: number }
  | { type: 'done'; stats: ChildStats; shared: Record<string, string[]> }
  | { type: 'log'; start: number; events: LoggedEvent[] }

export type ToChild = { type: 'go' } | { type: 'finish'; cursor: number }

/** Every child sends these keyed messages, each always with the same sender and payload. */
export function sharedSend(n: number, accounts: readonly string[]) {
  return {
    from: accounts[n % accounts.length]!,
    to: [accounts[(n + 1) % accounts.length]!],
    content: { shared: n },
    idempotencyKey: `shared-${n}`,
  }
}

export const sharedKeys = 20
