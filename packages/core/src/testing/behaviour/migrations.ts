import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openPigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { expectError, register } from './helpers.js'

export function describeMigrations(options: ConformanceOptions): void {
  describe('migrations', () => {
    it('a store that a newer version migrated (a migration this one does not know) fails to open with store_error, its data kept', async () => {
      const store = await options.openStore()
      const ph = await openPigeonhole({ store })
      try {
        await register(ph, 'alice', 'bob')
        await ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 1 } })
        const table =
          store.schema === undefined
            ? sql.table('pigeonhole_migrations')
            : sql.table(`${store.schema}.pigeonhole_migrations`)
        await sql`insert into ${table} (name, timestamp) values ('999-from-the-future', '2099-01-01T00:00:00.000Z')`.execute(
          store.db,
        )
        await expectError(openPigeonhole({ store }), 'store_error', {
          message: /999-from-the-future|corrupted/,
        })
        const page = await ph.messages.list({ owner: 'bob', box: 'inbox' })
        expect(page.items).toHaveLength(1)
        await sql`delete from ${table} where name = '999-from-the-future'`.execute(store.db)
        expect(await ph.verify()).toEqual([])
      } finally {
        await ph.close()
      }
    })
  })
}
