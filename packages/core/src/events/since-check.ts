import { PigeonholeError } from '../errors.js'

/**
 * The check before following events after `cursor` (`events.since`, `events.stream`): a
 * cursor past the newest stored event was never handed out, and following it would silently
 * skip every event up to it, so the stream errors with `invalid_input` instead. The store is
 * read only when the cursor is past what this engine has emitted (another instance may have
 * stored newer events).
 */
export function sinceCheck(
  where: { method: string; field: string },
  cursor: number,
  emitted: () => number,
  newestStored: () => Promise<number>,
): () => Promise<void> {
  return async () => {
    if (cursor <= emitted()) return
    const newest = await newestStored()
    if (cursor > newest) throw pastNewest(where, cursor, newest)
  }
}

function pastNewest(
  where: { method: string; field: string },
  cursor: number,
  newest: number,
): PigeonholeError {
  return new PigeonholeError(
    'invalid_input',
    `${where.method}: ${where.field}: expected a cursor up to ${newest} (the newest stored event), got ${cursor}`,
    { field: where.field, expected: `at most ${newest}`, got: cursor, newest },
  )
}
