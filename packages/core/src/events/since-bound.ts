import { defer, from, type Observable, switchMap } from 'rxjs'
import { PigeonholeError } from '../errors.js'
import type { PigeonholeEvent } from '../types.js'

/**
 * `events.since(cursor)` for a cursor past the newest stored event: such a cursor was never
 * handed out, and following it would silently skip every event up to it. The stream errors
 * with `invalid_input` instead. The store is read only when the cursor is past what this engine
 * has emitted (another instance may have stored newer events).
 */
export function boundedSince(
  cursor: number,
  emitted: () => number,
  newestStored: () => Promise<number>,
  since: (cursor: number) => Observable<PigeonholeEvent>,
): Observable<PigeonholeEvent> {
  return defer(() => {
    if (cursor <= emitted()) return since(cursor)
    return from(newestStored()).pipe(
      switchMap((newest) => {
        if (cursor > newest) throw pastNewest(cursor, newest)
        return since(cursor)
      }),
    )
  })
}

function pastNewest(cursor: number, newest: number): PigeonholeError {
  return new PigeonholeError(
    'invalid_input',
    `events.since: cursor: expected a cursor up to ${newest} (the newest stored event), got ${cursor}`,
    { field: 'cursor', expected: `at most ${newest}`, got: cursor, newest },
  )
}
