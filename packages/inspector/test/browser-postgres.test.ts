import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describePostgres, useSchemas } from '../../store-postgres/test/postgres-env.js'
import { type InspectorServer, serveInspector } from '../src/index.js'
import { launch } from './chromium.js'
import { eventually, open, pane, shownBoxes, shownMessages } from './page.js'
import { adminKey, seed } from './seed.js'

// The page's smoke test on real PostgreSQL: the same REST reads, another store.
describePostgres('the inspector page on PostgreSQL', () => {
  const schemas = useSchemas('inspector')
  let browser: Browser
  let ph: Pigeonhole
  let server: InspectorServer

  beforeAll(async () => {
    browser = await launch()
    ph = await openPigeonhole({ store: await schemas.fresh() })
    await seed(ph)
    server = await serveInspector({ engines: ph, port: 0, keys: [{ key: adminKey }] })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await ph?.close()
  })

  it('shows accounts, boxes, messages and live events of a PostgreSQL engine', async () => {
    const page = await browser.newPage()
    await open(page, server.url, adminKey)
    await page.click(`${pane()} [data-account="bob"]`)
    await page.waitForSelector(`${pane()} .box`)
    expect(await shownBoxes(page)).toEqual(
      (await ph.boxes.list('bob')).map((b) => ({ name: b.name, total: b.total, unread: b.unread })),
    )
    const inbox = await ph.messages.list({ owner: 'bob', box: 'inbox' })
    await eventually(
      () => shownMessages(page),
      inbox.items.map((i) => i.message.id),
    )
    await page.waitForSelector(`${pane()} .tail-status[data-state="live"]`)
    const sent = await ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'pg' } })
    await page.waitForSelector(`${pane()} .events >> text=${sent.id}`)
    await eventually(async () => (await shownMessages(page))[0], sent.id)
    await page.click(`${pane()} .verify`)
    await expect
      .poll(() => page.textContent(`${pane()} .verify-result`))
      .toBe('✓ verify(): no differences')
  })
})
