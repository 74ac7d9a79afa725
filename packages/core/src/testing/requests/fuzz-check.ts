import type { Subscription } from 'rxjs'
import { expect } from 'vitest'
import { openPigeonhole, type Pigeonhole } from '../../engine.js'
import { PigeonholeError } from '../../errors.js'
import type {
  LocalRequest,
  RequestItemGroup,
  RequestStatus,
  ValidationResult,
} from '../../requests/types.js'
import type { BoxItem, PigeonholeEvent } from '../../types.js'
import { CountingIds, TestClock } from '../behaviour/harness.js'
import type { ConformanceOptions } from '../options.js'
import { accounts, type ExpectedResult, type FuzzModel, type Side, sideKey } from './fuzz-model.js'

/** The engine of one run: a clock only the commands move, and every event it emitted. */
export class FuzzEngine {
  readonly events: PigeonholeEvent[] = []
  /** The last state read of each side: a terminal one must never change again. */
  readonly lastSeen = new Map<string, LocalRequest>()
  readonly #subscription: Subscription

  private constructor(
    readonly ph: Pigeonhole,
    readonly clock: TestClock,
  ) {
    this.#subscription = ph.events$.subscribe((e) => this.events.push(e))
  }

  static async open(options: ConformanceOptions): Promise<FuzzEngine> {
    const clock = new TestClock(1_700_000_000_000)
    const ph = await openPigeonhole({
      store: await options.openStore(),
      clock,
      ids: new CountingIds(),
      // The commands expire requests themselves (reads, expireDue): no timer in the runs.
      requests: { sweepIntervalMs: 0 },
    })
    return new FuzzEngine(ph, clock)
  }

  async close(): Promise<void> {
    this.#subscription.unsubscribe()
    await this.ph.close()
  }
}

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: string; message: string; details: Readonly<Record<string, unknown>> }

/** A call's value or its PigeonholeError; any other error fails the run. */
export async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() }
  } catch (error) {
    if (error instanceof PigeonholeError) {
      return { ok: false, code: error.code, message: error.message, details: error.details }
    }
    throw error
  }
}

export function expectSuccess<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) {
    throw new Error(`${what}: expected success, got ${outcome.code}: ${outcome.message}`)
  }
  return outcome.value
}

/** Failed with one of `codes`; returns the error. */
export function expectFailure(
  outcome: Outcome<unknown>,
  codes: string[],
  what: string,
): Extract<Outcome<unknown>, { ok: false }> {
  if (outcome.ok) throw new Error(`${what}: expected ${codes.join(' or ')}, but it succeeded`)
  expect(codes, `${what}: the code (${outcome.message})`).toContain(outcome.code)
  return outcome
}

/** A check result against the model's: success and code at every node the model names. */
export function expectResult(got: ValidationResult, expected: ExpectedResult, at: string): void {
  expect(got.isSuccess, `${at}: isSuccess (${got.code}: ${got.message})`).toBe(expected.isSuccess)
  if (expected.codes) {
    expect(expected.codes, `${at}: code (${got.message})`).toContain(got.code)
  } else {
    expect(got.code, `${at}: no code on success`).toBeUndefined()
  }
  if (!expected.items) return
  expect(got.items.length, `${at}: one result per item`).toBe(expected.items.length)
  expected.items.forEach((e, i) => {
    expectResult(got.items[i]!, e, `${at}.items[${i}]`)
  })
}

const terminal = (r: LocalRequest): boolean =>
  r.status === 'Completed' || (r.direction === 'incoming' && r.status === 'Expired')

/**
 * After every command: each side as the model has it (get and list agree), terminal sides
 * unchanged since last read, and the Request and Response messages in the boxes they belong
 * in, each once.
 */
export async function checkAll(model: FuzzModel, engine: FuzzEngine): Promise<void> {
  const { ph } = engine
  const read = new Map<string, LocalRequest>()
  for (const [key, side] of model.sides) {
    const got = await ph.requests.get({ owner: side.owner, id: side.id, direction: side.direction })
    expect(got, `get ${key}`).not.toBeNull()
    checkSide(model, side, got!)
    const before = engine.lastSeen.get(key)
    if (before && terminal(before)) {
      expect(got, `${key} was ${before.status}: it never changes`).toEqual(before)
    }
    if (before) expect(got!.version, `${key}: version`).toBeGreaterThanOrEqual(before.version)
    engine.lastSeen.set(key, got!)
    read.set(key, got!)
  }
  for (const owner of accounts) {
    const listed = await walkRequests(engine, owner)
    const keys = listed.map((r) => sideKey(r.owner, r.direction, r.id))
    const expected = [...model.sides.values()]
      .filter((s) => s.owner === owner)
      .map((s) => sideKey(s.owner, s.direction, s.id))
    expect([...keys].sort(), `list of ${owner}`).toEqual(expected.sort())
    for (let i = 0; i < listed.length; i++) {
      expect(listed[i], `list of ${owner}: item ${i} as get has it`).toEqual(read.get(keys[i]!))
      if (i > 0) {
        expect(listed[i]!.createdAt, `list of ${owner}: newest first`).toBeLessThanOrEqual(
          listed[i - 1]!.createdAt,
        )
      }
    }
    const manual = await ph.requests.list({
      owner,
      direction: 'incoming',
      status: 'ManualDecisionRequired',
    })
    expect(
      manual.items.map((r) => r.id).sort(),
      `${owner}'s incoming ManualDecisionRequired`,
    ).toEqual(
      model.incoming
        .filter((s) => s.owner === owner && model.status(s) === 'ManualDecisionRequired')
        .map((s) => s.id)
        .sort(),
    )
  }
  await checkMessages(model, engine)
}

function checkSide(model: FuzzModel, side: Side, got: LocalRequest): void {
  const key = sideKey(side.owner, side.direction, side.id)
  expect(
    {
      id: got.id,
      owner: got.owner,
      direction: got.direction,
      peer: got.peer,
      status: got.status,
      content: got.content,
      sourceMessageId: got.sourceMessageId,
      expiresAt: got.expiresAt,
      response: got.response && {
        content: got.response.content,
        messageId: got.response.messageId,
      },
      path: got.history.map((h) => h.to),
    },
    `${key}`,
  ).toEqual({
    id: side.id,
    owner: side.owner,
    direction: side.direction,
    peer: side.peer,
    status: model.status(side),
    content: side.content,
    sourceMessageId: side.sourceMessageId,
    expiresAt: side.content.expiresAt ?? null,
    response: side.response,
    path: side.path,
  })
  got.history.forEach((h, i) => {
    const from: RequestStatus | null = i === 0 ? null : got.history[i - 1]!.to
    expect(h.from, `${key}: history[${i}].from`).toBe(from)
    expect(h.at, `${key}: history[${i}].at`).toBeLessThanOrEqual(model.now)
    if (i > 0)
      expect(h.at, `${key}: history in time order`).toBeGreaterThanOrEqual(got.history[i - 1]!.at)
  })
  if (got.response) {
    // A Completed request has one answer per item, and per group one per group item.
    const asked = got.content.items
    const answered = got.response.content.items
    expect(answered.length, `${key}: Response items`).toBe(asked.length)
    asked.forEach((item, i) => {
      if (item['@type'] === 'RequestItemGroup') {
        const answer = answered[i] as { '@type': string; items?: unknown[] }
        expect(answer['@type'], `${key}: Response item ${i}`).toBe('ResponseItemGroup')
        expect(answer.items?.length, `${key}: Response group ${i}`).toBe(
          (item as RequestItemGroup).items.length,
        )
      }
    })
  }
}

/** Every request of `owner`, page by page (small pages, so cursors are used). */
async function walkRequests(engine: FuzzEngine, owner: string): Promise<LocalRequest[]> {
  const out: LocalRequest[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await engine.ph.requests.list({ owner, limit: 3, ...(cursor && { cursor }) })
    out.push(...page.items)
    if (page.nextCursor === null) return out
    cursor = page.nextCursor
  }
  throw new Error(`list of ${owner}: more than 100 pages`)
}

async function box(engine: FuzzEngine, owner: string, name: string): Promise<BoxItem[]> {
  const page = await engine.ph.messages.list({ owner, box: name, limit: 1000 })
  expect(page.nextCursor, `${owner}'s ${name}: one page`).toBeNull()
  return page.items
}

type Carried = { requestId: string; messageId: string; content: unknown }

function carried(items: BoxItem[], type: 'Request' | 'Response'): Carried[] {
  return items
    .filter((i) => i.message.content['@type'] === type)
    .map((i) => ({
      requestId: String(type === 'Request' ? i.message.content.id : i.message.content.requestId),
      messageId: i.message.id,
      content: i.message.content,
    }))
    .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0))
}

function byRequest(sides: Side[], pick: (s: Side) => Carried | null): Carried[] {
  return sides
    .map(pick)
    .filter((c): c is Carried => c !== null)
    .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0))
}

/**
 * The Request messages in the asker's sent box and the peer's inbox, once per sent request;
 * the Response messages in the responder's sent box (no Decided request without it) and the
 * asker's inbox (a Completed outgoing request has exactly one), and nowhere else.
 */
async function checkMessages(model: FuzzModel, engine: FuzzEngine): Promise<void> {
  for (const owner of accounts) {
    const inbox = await box(engine, owner, 'inbox')
    const sent = await box(engine, owner, 'sent')
    const mine = [...model.sides.values()].filter((s) => s.owner === owner)
    const out = mine.filter((s) => s.direction === 'outgoing')
    const inc = mine.filter((s) => s.direction === 'incoming')
    const request = (s: Side): Carried | null =>
      s.sourceMessageId === null
        ? null
        : { requestId: s.id, messageId: s.sourceMessageId, content: s.content }
    const response = (s: Side): Carried | null =>
      s.response === null
        ? null
        : { requestId: s.id, messageId: s.response.messageId, content: s.response.content }
    expect(carried(sent, 'Request'), `Request messages in ${owner}'s sent`).toEqual(
      byRequest(out, request),
    )
    expect(carried(inbox, 'Request'), `Request messages in ${owner}'s inbox`).toEqual(
      byRequest(inc, request),
    )
    expect(carried(inbox, 'Response'), `Response messages in ${owner}'s inbox`).toEqual(
      byRequest(out, response),
    )
    expect(carried(sent, 'Response'), `Response messages in ${owner}'s sent`).toEqual(
      byRequest(inc, response),
    )
    // Said outright, though the comparisons above imply them:
    for (const s of out.filter((s) => model.status(s) === 'Completed')) {
      const answers = carried(inbox, 'Response').filter((c) => c.requestId === s.id)
      expect(answers.length, `${owner}'s Completed ${s.id}: exactly one Response`).toBe(1)
    }
    for (const s of inc) {
      const got = engine.lastSeen.get(sideKey(s.owner, s.direction, s.id))
      if (got?.status !== 'Decided' && got?.status !== 'Completed') continue
      const answers = carried(sent, 'Response').filter((c) => c.requestId === s.id)
      expect(answers.length, `${owner}'s ${got.status} ${s.id}: its Response in sent`).toBe(1)
    }
  }
}

/**
 * At the end of a run: the status-change events of each side are its history, and each
 * incoming side was announced once; lookups by the other direction find nothing.
 */
export async function checkEnd(model: FuzzModel, engine: FuzzEngine): Promise<void> {
  const { ph } = engine
  const sides = [...model.sides.values()]
  const expected = sides.reduce(
    (n, s) => n + s.path.length + (s.direction === 'incoming' ? 1 : 0),
    0,
  )
  const requestEvents = () => engine.events.filter((e) => e.type.startsWith('request.'))
  // A store with several writers emits after a poll: wait (briefly) for them.
  for (let waited = 0; requestEvents().length < expected && waited < 5000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const events = requestEvents()
  expect(events.length, 'request events').toBe(expected)
  for (const s of sides) {
    const key = sideKey(s.owner, s.direction, s.id)
    const changes = events
      .filter(
        (e) =>
          e.type === 'request.statusChanged' &&
          e.owner === s.owner &&
          e.data.requestId === s.id &&
          e.data.direction === s.direction,
      )
      .map((e) => [e.data.oldStatus, e.data.newStatus])
    expect(changes, `${key}: statusChanged events`).toEqual(
      s.path.map((to, i) => [i === 0 ? null : s.path[i - 1], to]),
    )
    if (s.direction === 'incoming') {
      const received = events.filter(
        (e) =>
          e.type === 'request.incomingReceived' && e.owner === s.owner && e.data.requestId === s.id,
      )
      expect(
        received.map((e) => [e.messageId, e.data.peer]),
        `${key}: incomingReceived`,
      ).toEqual([[s.sourceMessageId, s.peer]])
    }
    const other = s.direction === 'outgoing' ? 'incoming' : 'outgoing'
    expect(
      await ph.requests.get({ owner: s.owner, id: s.id, direction: other }),
      `${key}: get as ${other}`,
    ).toBeNull()
    expect(
      await ph.requests.get({ owner: s.owner, id: s.id }),
      `${key}: get, either direction`,
    ).toEqual(engine.lastSeen.get(key))
  }
  expect(await ph.verify(), 'verify()').toEqual([])
}
