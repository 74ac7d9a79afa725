import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { sql } from 'kysely'
import { afterAll, describe } from 'vitest'
import { storeFlow } from './flow.js'

describe('pigeonhole on a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-cli-'))
  const file = join(dir, 'app.db')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  storeFlow({
    flags: () => ['--sqlite', file],
    describe: () => `SQLite ${file}`,
    async plantDifference() {
      // Through the store's own Kysely, not the engine: what a bug or a hand edit would do.
      const store = sqliteStore({ path: file })
      try {
        await sql`update box_counts set total = total + 5, unread = unread + 5
          where owner = 'bob' and box = 'inbox'`.execute(store.db)
      } finally {
        await store.close()
      }
    },
  })
})
