import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InspectorServer, serveInspector } from '../src/index.js'
import { launch } from './chromium.js'
import { docs, eventually, open, pane, shownBoxes, shownMessages } from './page.js'
import { adminKey, type Seeded, seed } from './seed.js'

// The page in Debian's Chromium, on a seeded engine: one browser for the file, one page
// reused by the tests in order (each starts where the one before left it).
let browser: Browser
let page: Page
let ph: Pigeonhole
let seeded: Seeded
let server: InspectorServer

beforeAll(async () => {
  browser = await launch()
  ph = await openPigeonhole({ store: sqliteStore({ path: ':memory:' }) })
  seeded = await seed(ph)
  server = await serveInspector({ engines: ph, port: 0, keys: [{ key: adminKey }] })
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  page.on('pageerror', (e) => {
    throw e
  })
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await ph?.close()
})

const bob = `${pane()} [data-account="bob"]`

describe('the inspector page', () => {
  it('asks for a key without one, and refuses a wrong one', async () => {
    await page.goto(server.url)
    await page.waitForSelector('#login:not([hidden])')
    await page.fill('#login input[name="key"]', 'not-the-key-not-the-key-not-the-key')
    await page.click('#login button')
    await expect.poll(() => page.textContent('#login output')).toMatch(/not an admin API key/)
    expect(await page.$$('.pane')).toHaveLength(0)
  })

  it('navigates account → box → message; counts and contents are the engine’s', async () => {
    await open(page, server.url, adminKey)
    expect(await page.textContent('#mode')).toBe('read-only')
    const accounts = await page.$$eval(`${pane()} .account .address`, (els) =>
      els.map((e) => e.textContent),
    )
    expect(accounts).toEqual((await ph.accounts.list()).items.map((a) => a.address))
    await page.fill(`${pane()} .account-search`, 'ca')
    await eventually(
      () => page.$$eval(`${pane()} .account .address`, (els) => els.map((e) => e.textContent)),
      ['carol'],
    )
    await page.fill(`${pane()} .account-search`, '')
    await page.click(bob)
    await page.waitForSelector(`${pane()} .box`)
    const boxes = await ph.boxes.list('bob')
    expect(await shownBoxes(page)).toEqual(
      boxes.map((b) => ({ name: b.name, total: b.total, unread: b.unread })),
    )
    const inbox = await ph.messages.list({ owner: 'bob', box: 'inbox', limit: 20 })
    await eventually(
      () => shownMessages(page),
      inbox.items.map((i) => i.message.id),
    )

    await page.click(`${pane()} [data-message="${seeded.lunch}"]`)
    await page.waitForSelector(`${pane()} .message-subject`)
    const item = (await ph.messages.getItem({ owner: 'bob', id: seeded.lunch }))!
    expect(await page.textContent(`${pane()} .message-subject`)).toBe('Lunch?')
    expect(await page.textContent(`${pane()} .message-version`)).toBe(String(item.message.version))
    expect(await page.textContent(`${pane()} .entry`)).toBe(
      `received · box inbox · version ${item.entry.version}`,
    )
    expect(JSON.parse((await page.textContent(`${pane()} .content`))!)).toEqual(
      item.message.content,
    )
    const link = page.locator(`${pane()} .attachments a`)
    expect(await link.textContent()).toBe('menu.txt')
    // The download goes through the session: bob may fetch what was attached to him.
    const body = await page.evaluate(
      async (href) => (await fetch(href)).text(),
      (await link.getAttribute('href'))!,
    )
    expect(body).toBe('soup, bread, cheese')

    await page.click(`${pane()} [data-box="archive"]`)
    await eventually(
      () => shownMessages(page),
      (await ph.messages.list({ owner: 'bob', box: 'archive' })).items.map((i) => i.message.id),
    )
    await page.click(`${pane()} [data-box="inbox"]`)
    await page.click(`${pane()} [data-message="${seeded.lunch}"]`)
    await page.waitForSelector(`${pane()} .message-subject`)
    await page.screenshot({ path: docs('inspector.png') })
  })

  it('shows requests with their history and consent states per sender', async () => {
    const request = (await ph.requests.get({ owner: 'bob', id: seeded.requestId }))!
    const row = page.locator(`${pane()} [data-request="${seeded.requestId}"]`)
    expect(await row.getAttribute('data-status')).toBe(request.status)
    await row.locator('summary').click()
    expect(await row.locator('.history li').allTextContents()).toHaveLength(request.history.length)
    const consent = await page.$$eval(`${pane()} .consent tbody tr`, (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)),
    )
    expect(consent).toEqual(
      (await ph.consent.list({ owner: 'bob' })).items.map((c) => [c.sender, c.state]),
    )
    expect(await page.textContent(`${pane()} .consent-mode`)).toBe('mode open')
  })

  it('shows the receipts of a sent message per recipient', async () => {
    await page.click(`${pane()} [data-account="alice"]`)
    await page.click(`${pane()} [data-box="sent"]`)
    await page.click(`${pane()} [data-message="${seeded.lunch}"]`)
    await page.waitForSelector(`${pane()} .receipts`)
    const rows = await page.$$eval(`${pane()} .receipts tbody tr`, (trs) =>
      trs.map((tr) => [tr.getAttribute('data-recipient'), tr.lastElementChild?.textContent]),
    )
    expect(rows).toEqual([
      ['bob', 'read'],
      ['carol', 'delivered'],
    ])
  })

  it('pages a box with the engine’s cursors, newest first', async () => {
    await ph.accounts.register({ address: 'dan' })
    await ph.messages.sendMany(
      Array.from({ length: 23 }, (_, i) => ({
        identifier: `note-${i + 1}`,
        from: 'carol',
        to: ['dan'],
        content: { subject: `Note ${i + 1}`, text: 'paging' },
      })),
    )
    const ids = (p: { items: { message: { id: string } }[] }) => p.items.map((i) => i.message.id)
    await page.click(`${pane()} [data-account="dan"]`)
    const first = await ph.messages.list({ owner: 'dan', box: 'inbox', limit: 20 })
    expect(first.items).toHaveLength(20)
    await eventually(() => shownMessages(page), ids(first))
    await page.click(`${pane()} .older`)
    const second = await ph.messages.list({
      owner: 'dan',
      box: 'inbox',
      limit: 20,
      cursor: first.nextCursor!,
    })
    expect(second.items).toHaveLength(3)
    await eventually(() => shownMessages(page), ids(second))
    expect(await page.isVisible(`${pane()} .older`)).toBe(false)
    await page.click(`${pane()} .newer`)
    await eventually(() => shownMessages(page), ids(first))
  })

  it('a message sent from the engine shows in the live tail and the box without a reload', async () => {
    await page.click(bob)
    await page.waitForSelector(`${pane()} .tail-status[data-state="live"]`)
    const before = (await ph.boxes.counts('bob')).inbox!
    const sent = await ph.messages.send({
      from: 'carol',
      to: ['bob'],
      content: { subject: 'Fresh news', text: 'sent while the page is open' },
    })
    await page.waitForSelector(
      `${pane()} .events [data-type="message.received"] >> text=${sent.id}`,
    )
    await eventually(async () => (await shownMessages(page))[0], sent.id)
    await eventually(async () => (await shownBoxes(page)).find((b) => b.name === 'inbox'), {
      name: 'inbox',
      total: before.total + 1,
      unread: before.unread + 1,
    })
    await page.screenshot({ path: docs('live-tail.png') })
  })

  it('after a reload the tail resumes after the last cursor it saw: no gap, no repeat', async () => {
    const saved = Number(
      await page.evaluate(
        () =>
          Object.entries((globalThis as unknown as { localStorage: object }).localStorage).find(
            ([k]) => k.endsWith(':main:cursor'),
          )?.[1],
      ),
    )
    expect(saved).toBe(ph.events.lastCursor)
    await page.goto('about:blank')
    const missed = await ph.messages.send({
      from: 'alice',
      to: ['bob'],
      content: { text: 'sent while the page was closed' },
    })
    await open(page, server.url, adminKey)
    await page.waitForSelector(`${pane()} .events >> text=${missed.id}`)
    const cursors = await page.$$eval(`${pane()} .events li`, (lis) =>
      lis.map((li) => Number(li.getAttribute('data-cursor'))),
    )
    expect(cursors.length).toBeGreaterThan(0)
    expect(Math.min(...cursors)).toBe(saved + 1)
    expect(cursors).toEqual([...new Set(cursors)])
  })

  it('the verify button shows ph.verify()', async () => {
    expect(await ph.verify()).toEqual([])
    await page.click(`${pane()} .verify`)
    await expect
      .poll(() => page.textContent(`${pane()} .verify-result`))
      .toBe('✓ verify(): no differences')
  })

  it('read-only: no write forms, and the API refuses writes (403) and writes nothing', async () => {
    expect(await page.isVisible(`${pane()} .send-form`)).toBe(false)
    const before = (await ph.boxes.counts('bob')).inbox
    const answer = await page.evaluate(async () => {
      const res = await fetch('engines/main/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'alice', to: ['bob'], content: { text: 'sneaky' } }),
      })
      return { status: res.status, body: await res.json() }
    })
    expect(answer.status).toBe(403)
    expect(answer.body).toMatchObject({ code: 'forbidden', details: { readOnly: true } })
    expect((await ph.boxes.counts('bob')).inbox).toEqual(before)
  })
})
