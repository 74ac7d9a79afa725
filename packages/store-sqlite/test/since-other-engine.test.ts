import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isPigeonholeError, openPigeonhole, type PigeonholeEvent } from '@pigeonhole/core'
import { firstValueFrom, take, toArray } from 'rxjs'
import { expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

// The bound on events.since is the newest *stored* event, not the newest this engine emitted:
// on a shared file, engine b has emitted nothing of what engine a wrote.
test('events.since takes a cursor another engine on the same file stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-since-'))
  const path = join(dir, 'shared.db')
  const a = await openPigeonhole({ store: sqliteStore({ path }) })
  const b = await openPigeonhole({ store: sqliteStore({ path }) })
  try {
    await a.accounts.register({ address: 'alice' })
    await a.accounts.register({ address: 'bob' })
    const newest = a.events.lastCursor
    expect(b.events.lastCursor).toBeLessThan(newest)
    const replayed: PigeonholeEvent[] = await firstValueFrom(
      b.events.since(newest - 1).pipe(take(1), toArray()),
    )
    expect(replayed.map((e) => [e.cursor, e.owner])).toEqual([[newest, 'bob']])
    const past = await firstValueFrom(b.events.since(newest + 1)).catch((e: unknown) => e)
    expect(isPigeonholeError(past, 'invalid_input')).toBe(true)
  } finally {
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
