import type { TwoPeers } from '@pigeonhole/core/testing'
import { twoPeers } from '@pigeonhole/core/testing'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InspectorServer, serveInspector } from '../src/index.js'
import { launch } from './chromium.js'
import { docs, eventually, open, pane, shownBoxes, shownMessages } from './page.js'
import { adminKey } from './seed.js'

// The test-harness view: the two engines of a memory network side by side, with writes
// allowed (send, mark read, accept), as a developer testing by hand would use it.
let browser: Browser
let page: Page
let peers: TwoPeers
let server: InspectorServer
let hello: string
let requestId: string
let toDora: string
/** More consent states than one page of the consent card (100) holds. */
const senders = Array.from({ length: 105 }, (_, i) => `sender${String(i).padStart(3, '0')}@x`)

beforeAll(async () => {
  browser = await launch()
  peers = await twoPeers({ openStore: () => sqliteStore({ path: ':memory:' }) })
  const { a, b, net } = peers
  await a.accounts.register({ address: 'alice', displayName: 'Alice' })
  await b.accounts.register({ address: 'bob', displayName: 'Bob' })
  await b.accounts.register({ address: 'dora', displayName: 'Dora' })
  hello = (
    await a.messages.send({
      from: 'alice',
      to: ['bob@b', 'dora@b'],
      content: { subject: 'Across peers', text: 'Hello from engine a' },
    })
  ).id
  const draft = await a.requests.create({
    owner: 'alice',
    peer: 'bob@b',
    content: {
      title: 'Share your e-mail',
      items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true, title: 'It is you?' }],
    },
  })
  requestId = draft.id
  await a.messages.send({ from: 'alice', to: ['bob@b'], content: draft.content })
  const second = await a.requests.create({
    owner: 'alice',
    peer: 'dora@b',
    content: {
      title: 'Join the team',
      items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true, title: 'Join?' }],
    },
  })
  toDora = second.id
  await a.messages.send({ from: 'alice', to: ['dora@b'], content: second.content })
  for (const sender of senders) await b.consent.grant({ owner: 'dora', sender })
  await net.settle()
  server = await serveInspector({
    engines: { a, b },
    port: 0,
    keys: [{ key: adminKey }],
    allowWrites: true,
  })
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  page.on('pageerror', (e) => {
    throw e
  })
  await open(page, server.url, adminKey)
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
  await peers?.close()
})

describe('two engines side by side, writes allowed', () => {
  it('shows each engine in its own pane; a message crossed the network', async () => {
    expect(await page.textContent('#mode')).toBe('writes allowed')
    expect(
      await page.$$eval('.pane', (ps) => ps.map((p) => p.getAttribute('data-engine'))),
    ).toEqual(['a', 'b'])
    await page.click(`${pane('b')} [data-account="bob"]`)
    await page.waitForSelector(`${pane('b')} .box`)
    const inbox = await peers.b.messages.list({ owner: 'bob', box: 'inbox' })
    await eventually(
      () => shownMessages(page, 'b'),
      inbox.items.map((i) => i.message.id),
    )
    expect(await shownMessages(page, 'b')).toContain(hello)

    await page.click(`${pane('a')} [data-account="alice"]`)
    await page.click(`${pane('a')} [data-box="sent"]`)
    await page.click(`${pane('a')} [data-message="${hello}"]`)
    await page.waitForSelector(`${pane('a')} .receipts`)
    const receipts = await peers.a.messages.receipts({ owner: 'alice', id: hello })
    const shown = await page.$$eval(`${pane('a')} .receipts tbody tr`, (trs) =>
      trs.map((tr) => [tr.getAttribute('data-recipient'), tr.lastElementChild?.textContent]),
    )
    expect(shown).toEqual(receipts.map((r) => [r.recipient, r.status]))
  })

  it('the send form sends as the account; the other pane sees it arrive live', async () => {
    await page.click(`${pane('a')} [data-box="inbox"]`)
    const form = `${pane('b')} .send-form`
    await page.fill(`${form} [name="to"]`, 'alice@a')
    await page.fill(`${form} [name="subject"]`, 'Reply')
    await page.fill(`${form} [name="text"]`, 'Hello back from engine b')
    await page.click(`${form} button`)
    await expect.poll(() => page.textContent(`${form} output`)).toMatch(/^sent msg_/)
    const id = (await page.textContent(`${form} output`))!.slice('sent '.length)
    await peers.net.settle()
    expect(await peers.a.messages.get({ owner: 'alice', id })).not.toBeNull()
    await eventually(async () => (await shownMessages(page, 'a'))[0], id)
    await page.waitForSelector(`${pane('a')} .events [data-type="message.received"] >> text=${id}`)
  })

  it('mark read and accept, from the page', async () => {
    await page.click(`${pane('b')} [data-message="${hello}"]`)
    await page.click(`${pane('b')} .mark-read`)
    await expect
      .poll(async () => (await peers.b.messages.getItem({ owner: 'bob', id: hello }))?.entry.readAt)
      .not.toBeNull()
    await eventually(
      async () => (await shownBoxes(page, 'b')).find((x) => x.name === 'inbox')?.unread,
      (await peers.b.boxes.counts('bob')).inbox!.unread,
    )
    const row = page.locator(`${pane('b')} [data-request="${requestId}"]`)
    await row.locator('summary').click()
    await row.locator('.accept').click()
    await expect
      .poll(async () => (await peers.b.requests.get({ owner: 'bob', id: requestId }))?.status)
      .toBe('Completed')
    await peers.net.settle()
    expect((await peers.a.requests.get({ owner: 'alice', id: requestId }))?.status).toBe(
      'Completed',
    )
    await eventually(() => row.getAttribute('data-status'), 'Completed')
    await page.click(`${pane('b')} [data-message="${hello}"]`)
    await page.screenshot({ path: docs('two-peers.png') })
  })

  it('reject from the page; the consent card pages with More', async () => {
    await page.click(`${pane('b')} [data-account="dora"]`)
    const row = page.locator(`${pane('b')} [data-request="${toDora}"]`)
    await row.locator('summary').click()
    await row.locator('.reject').click()
    await expect
      .poll(async () => (await peers.b.requests.get({ owner: 'dora', id: toDora }))?.status)
      .toBe('Completed')
    const response = (await peers.b.requests.get({ owner: 'dora', id: toDora }))?.response
    expect(response?.content).toMatchObject({ result: 'Rejected' })
    await peers.net.settle()
    const there = await peers.a.requests.get({ owner: 'alice', id: toDora })
    expect(there?.status).toBe('Completed')
    expect(there?.response?.content).toMatchObject({ result: 'Rejected' })
    await eventually(() => row.getAttribute('data-status'), 'Completed')
    await expect.poll(() => row.locator('.response').textContent()).toContain('Rejected')

    const shownSenders = () =>
      page.$$eval(`${pane('b')} .consent tbody tr`, (trs) =>
        trs.map((tr) => tr.getAttribute('data-sender')),
      )
    await eventually(async () => (await shownSenders()).length, 100)
    await page.click(`${pane('b')} .more-consent`)
    await eventually(shownSenders, senders)
    expect(await page.isHidden(`${pane('b')} .more-consent`)).toBe(true)
  })
})
