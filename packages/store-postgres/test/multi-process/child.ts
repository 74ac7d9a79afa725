// One app instance of the multi-process test: opens an engine on the shared schema, runs
// random sends, reads, marks, moves, edits and deletes, and logs every event it sees.

import { isPigeonholeError, openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { seededRandom } from '../../../../bench/src/crash/protocol.js'
import { postgresStore } from '../../src/index.js'
import {
  type ChildStats,
  type LoggedEvent,
  sharedKeys,
  sharedSend,
  type ToChild,
  type ToParent,
} from './protocol.js'

const env = process.env
const accounts = (env.MP_ACCOUNTS ?? '').split(',')
const ops = Number(env.MP_OPS ?? 300)
const lanes = 4
const index = Number(env.MP_INDEX ?? 0)

const send = (message: ToParent) => process.send!(message)
const inbox: ToChild[] = []
let wake = () => {}
process.on('message', (m: ToChild) => {
  inbox.push(m)
  wake()
})
async function receive<T extends ToChild['type']>(type: T): Promise<Extract<ToChild, { type: T }>> {
  for (;;) {
    const at = inbox.findIndex((m) => m.type === type)
    if (at >= 0) return inbox.splice(at, 1)[0] as Extract<ToChild, { type: T }>
    await new Promise<void>((resolve) => {
      wake = resolve
    })
  }
}

const stats: ChildStats = {
  created: 0,
  read: 0,
  unread: 0,
  moved: 0,
  deleted: 0,
  edits: 0,
  conflicts: 0,
  notFound: 0,
  reads: 0,
  unexpected: [],
}
const shared: Record<string, string[]> = {}
const mine: string[] = []

async function operate(ph: Pigeonhole, rand: () => number): Promise<void> {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!
  const owner = pick(accounts)
  const roll = rand()
  if (roll < 0.3) {
    const to = [...new Set([pick(accounts), pick(accounts)])].filter((a) => a !== owner)
    if (to.length === 0) return
    const m = await ph.messages.send({ from: owner, to, content: { by: index, r: rand() } })
    stats.created += 1
    mine.push(m.id)
  } else if (roll < 0.42) {
    // Every instance sends these keys: the parent checks one message per key, and that
    // every caller got that one.
    const n = Math.floor(rand() * sharedKeys)
    const m = await ph.messages.send(sharedSend(n, accounts))
    shared[n] = [...(shared[n] ?? []), m.id]
  } else if (roll < 0.55) {
    stats.reads += 1
    if (rand() < 0.5) await ph.messages.list({ owner, limit: 10 })
    else await ph.boxes.counts(owner)
  } else if (roll < 0.7) {
    const page = await ph.messages.list({ owner, limit: 10 })
    if (page.items.length === 0) return
    const ids = [...new Set([pick(page.items), pick(page.items)].map((i) => i.entry.messageId))]
    const read = rand() < 0.6
    const { changed } = read
      ? await ph.messages.markRead({ owner, ids })
      : await ph.messages.markUnread({ owner, ids })
    if (read) stats.read += changed
    else stats.unread += changed
  } else if (roll < 0.82) {
    const page = await ph.messages.list({ owner, limit: 10 })
    if (page.items.length === 0) return
    const item = pick(page.items)
    const to = item.entry.box === 'archive' ? 'inbox' : 'archive'
    const { changed } = await ph.messages.move({
      owner,
      ids: [item.entry.messageId],
      to,
      from: item.entry.box,
    })
    stats.moved += changed
  } else if (roll < 0.94) {
    const ids = [...mine, ...Object.values(shared).flat()]
    if (ids.length === 0) return
    const m = await ph.admin.getMessage(pick(ids))
    if (!m || m.from === null) return
    await ph.messages.update({
      id: m.id,
      by: m.from,
      expectedVersion: m.version,
      content: { edited: index, r: rand() },
    })
    stats.edits += 1
  } else {
    const page = await ph.messages.list({ owner, limit: 5 })
    if (page.items.length === 0) return
    const { changed } = await ph.messages.delete({
      owner,
      ids: [pick(page.items).entry.messageId],
    })
    stats.deleted += changed
  }
}

async function main(): Promise<void> {
  const store = postgresStore({
    connectionString: env.DATABASE_URL!,
    schema: env.MP_SCHEMA!,
    poolSize: lanes + 1,
    pollIntervalMs: 1000,
  })
  const ph = await openPigeonhole({ store })
  const start = ph.events.lastCursor
  const log: LoggedEvent[] = []
  ph.events$.subscribe((e) => log.push([e.cursor, e.type, e.owner, e.messageId]))
  send({ type: 'ready', start })
  await receive('go')

  const seed = Number(env.MP_SEED ?? 1)
  let left = ops
  const lane = async (n: number) => {
    const rand = seededRandom(seed * 1000 + index * 10 + n)
    while (left > 0) {
      left -= 1
      try {
        await operate(ph, rand)
      } catch (error) {
        if (isPigeonholeError(error, 'not_found')) stats.notFound += 1
        else if (isPigeonholeError(error, 'version_conflict')) stats.conflicts += 1
        else stats.unexpected.push(String((error as Error)?.stack ?? error))
      }
    }
  }
  await Promise.all(Array.from({ length: lanes }, (_, n) => lane(n)))
  send({ type: 'done', stats, shared })

  const { cursor } = await receive('finish')
  const until = Date.now() + 30_000
  while (ph.events.lastCursor < cursor && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  send({ type: 'log', start, events: log })
  await ph.close()
  process.disconnect()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
