import type { SelectQueryBuilder } from 'kysely'

/**
 * How a read locks the rows it reads: `update` (they are about to change) or `keyShare` (they
 * must not be deleted meanwhile, e.g. an account a new entry names).
 */
export type RowLock = 'update' | 'keyShare'

/**
 * Adds `FOR UPDATE` / `FOR KEY SHARE` when the store runs writers concurrently
 * (`StoreCapabilities.rowLocks`); with one writer at a time nothing can change the rows
 * between the read and the write, so the query is returned as it is.
 */
export function lockRows<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  ctx: { readonly rowLocks: boolean },
  lock: RowLock,
): SelectQueryBuilder<DB, TB, O> {
  if (!ctx.rowLocks) return query
  return lock === 'update' ? query.forUpdate() : query.forKeyShare()
}
