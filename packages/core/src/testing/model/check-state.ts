import { expect } from 'vitest'
import type { BoxItem, PigeonholeEvent } from '../../types.js'
import type { EngineUnderTest } from './engine-under-test.js'
import { accounts, type ExpectedEvent, type Model } from './model.js'

/** Small pages, so the walk crosses page boundaries often. */
const pageSize = 3

/** Every owner's boxes (contents, order, versions, read state, content) and counts. */
export async function checkState(model: Model, engine: EngineUnderTest): Promise<void> {
  for (const owner of accounts) {
    expect(await engine.ph.boxes.counts(owner), `counts of ${owner}`).toEqual(model.counts(owner))
    for (const box of model.boxes(owner)) {
      const actual = (await walk(engine, owner, box)).map((item) => ({
        id: item.entry.messageId,
        role: item.entry.role,
        box: item.entry.box,
        read: item.entry.readAt !== null,
        version: item.entry.version,
        messageVersion: item.message.version,
        from: item.message.from,
        content: item.message.content,
        sameTime: item.entry.createdAt === item.message.createdAt,
      }))
      const expected = model.listing(owner, box).map((e) => {
        const message = model.messages.get(e.messageId)!
        return {
          id: e.messageId,
          role: e.role,
          box: e.box,
          read: e.read,
          version: e.version,
          messageVersion: message.version,
          from: message.from,
          content: message.content,
          sameTime: true,
        }
      })
      expect(actual, `box "${box}" of ${owner}, newest first`).toEqual(expected)
    }
  }
}

/** Every page of a box, newest first, following nextCursor. */
async function walk(engine: EngineUnderTest, owner: string, box: string): Promise<BoxItem[]> {
  const items: BoxItem[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await engine.ph.messages.list({ owner, box, limit: pageSize, cursor })
    items.push(...page.items)
    if (page.nextCursor === null) return items
    cursor = page.nextCursor
  }
}

/**
 * The events one command produced against the model's. Changes to several entries at once
 * (mark, move, delete) emit in the store's row order, which no API promises: compare those
 * sorted by message and role. Cursors must grow across the whole run.
 */
export async function checkEvents(
  engine: EngineUnderTest,
  expected: ExpectedEvent[],
  ordered: boolean,
): Promise<void> {
  let last = engine.lastCursorTaken
  const got = await engine.take(expected.length)
  for (const e of got) {
    expect(e.cursor, `cursor of ${e.type} after ${last}`).toBeGreaterThan(last)
    last = e.cursor
  }
  const actual = got.map(project)
  if (ordered) {
    expect(actual, 'events of the command, in order').toEqual(expected)
  } else {
    expect(sorted(actual), 'events of the command').toEqual(sorted(expected))
  }
}

function project(e: PigeonholeEvent): ExpectedEvent {
  const { role, version, recipients, entries, marked } = e.data
  const count =
    e.type === 'message.broadcast' ? recipients : marked !== undefined ? e.data.count : entries
  const box = e.type === 'message.moved' ? e.data.to : e.data.box
  return {
    ...(marked !== undefined && { marked: marked as ExpectedEvent['marked'] }),
    type: e.type,
    owner: e.owner,
    messageId: e.messageId ?? '',
    role: role === 'sent' || role === 'received' ? role : null,
    version: typeof version === 'number' ? version : null,
    count: typeof count === 'number' ? count : null,
    box: typeof box === 'string' ? box : null,
  }
}

function sorted(events: ExpectedEvent[]): ExpectedEvent[] {
  const key = (e: ExpectedEvent) => `${e.messageId}/${e.role}/${e.type}`
  return [...events].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}
