import { openPigeonhole } from '@pigeonhole/core'
import { exitCodes } from './errors.js'
import type { Output } from './output.js'
import { appliedMigrations, chooseStore, type StoreFlags } from './store.js'

/** Brings the schema up to date (the engine migrates on open) and says which migrations ran. */
export async function migrateCommand(flags: StoreFlags, io: Output): Promise<number> {
  const { store, describe } = chooseStore(flags, true)
  let before: string[]
  try {
    before = await appliedMigrations(store)
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  const ph = await openPigeonhole({ store }).catch(async (error: unknown) => {
    await store.close().catch(() => {})
    throw error
  })
  let after: string[]
  try {
    after = await appliedMigrations(store)
  } finally {
    await ph.close()
  }
  const ran = after.filter((name) => !before.includes(name))
  if (ran.length === 0) {
    io.out(
      `${describe}: up to date (${after.length} migrations, the last ${after.at(-1) ?? 'none'})`,
    )
  } else {
    io.out(`${describe}: ran ${ran.length} migration${ran.length === 1 ? '' : 's'}:`)
    for (const name of ran) io.out(`  ${name}`)
  }
  return exitCodes.ok
}
