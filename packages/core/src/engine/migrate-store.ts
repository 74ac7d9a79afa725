import { migrateToLatest } from '../db/migrate.js'
import { PigeonholeError } from '../errors.js'
import type { Store } from '../store-port.js'

/** Runs the migrations on the store; a failure is a `store_error` naming the migration. */
export async function migrateStore(store: Store): Promise<void> {
  const failure = await migrateToLatest(store.db, store.dialect, store.schema)
  if (!failure) return
  const { migration, error } = failure
  throw new PigeonholeError(
    'store_error',
    `migration ${migration ?? '(unknown)'} failed: ${String(error)}`,
    { migration },
    { cause: error },
  )
}
