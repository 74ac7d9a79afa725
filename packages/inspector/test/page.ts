import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/**
 * Where a screenshot goes: with UPDATE_SCREENSHOTS=1 the README's own (docs/, committed);
 * else a temporary directory, so a test run does not leave the working tree changed.
 */
export const docs = (name: string) =>
  process.env.UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL(`../docs/${name}`, import.meta.url))
    : join(tmpdir(), `pigeonhole-inspector-${name}`)

/** Opens the inspector at `url` with the key in the fragment, as `pigeonhole inspect` prints it. */
export async function open(page: Page, url: string, key: string): Promise<void> {
  // From another document: a goto that changes only the fragment would not load the page.
  if (page.url() !== 'about:blank') await page.goto('about:blank')
  await page.goto(`${url}#key=${key}`)
  await page.waitForSelector('body[data-ready="true"]')
}

/** The pane of one engine. */
export const pane = (name = 'main') => `.pane[data-engine="${name}"]`

/** Waits until `read` returns what `expected` matches (the page updates on its own). */
export async function eventually<T>(read: () => Promise<T>, expected: T, ms = 10_000) {
  const until = Date.now() + ms
  let last: T = await read()
  while (Date.now() < until) {
    last = await read()
    if (JSON.stringify(last) === JSON.stringify(expected)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  expect(last).toEqual(expected)
}

/** The boxes an account pane shows: name, total, unread. */
export function shownBoxes(page: Page, engine = 'main') {
  return page.$$eval(`${pane(engine)} .box`, (els) =>
    els.map((b) => ({
      name: b.querySelector('.name')?.textContent,
      total: Number(b.querySelector('.total')?.textContent),
      unread: Number(b.querySelector('.unread')?.textContent),
    })),
  )
}

/** The message ids of the rows on show, top to bottom. */
export function shownMessages(page: Page, engine = 'main') {
  return page.$$eval(`${pane(engine)} .message-row`, (rows) =>
    rows.map((r) => r.getAttribute('data-message')),
  )
}
