import type { AsyncCommand } from 'fast-check'
import { expect } from 'vitest'
import type {
  AcceptRequestInput,
  CreateRequestInput,
  RejectRequestInput,
} from '../../requests/schemas.js'
import type {
  DecideGroup,
  DecideItem,
  LocalRequest,
  RequestContent,
  RequestItem,
  RequestItemGroup,
  ResponseContent,
} from '../../requests/types.js'
import type { Content } from '../../types.js'
import {
  attempt,
  checkAll,
  expectFailure,
  expectResult,
  expectSuccess,
  type FuzzEngine,
} from './fuzz-check.js'
import {
  accounts,
  type Decision,
  type ExpectedResult,
  type FuzzModel,
  isGroupNode,
  type Side,
  stranger,
} from './fuzz-model.js'

type Command = AsyncCommand<FuzzModel, FuzzEngine>

const show = (value: unknown) => JSON.stringify(value)

export interface ItemSpec {
  kind: 'auth' | 'consent' | 'freeText'
  must: boolean
  link: boolean
}
export type NodeSpec = ItemSpec | { group: ItemSpec[] }

export type CreateFault =
  | 'none'
  | 'peerIsOwner'
  | 'unknownPeer'
  | 'past'
  | 'unknownOwner'
  | 'unknownType'
  | 'noConsent'
  | 'badLink'
  | 'noItems'

export interface CreateSpec {
  owner: number
  peer: number
  nodes: NodeSpec[]
  /** Ms after now; undefined: no expiry. */
  expiresIn: number | undefined
  title: string | undefined
  fault: CreateFault
  faultAt: number
}

function buildItem(spec: ItemSpec): RequestItem {
  switch (spec.kind) {
    case 'auth':
      return { '@type': 'AuthenticationRequestItem', mustBeAccepted: spec.must }
    case 'consent':
      return {
        '@type': 'ConsentRequestItem',
        mustBeAccepted: spec.must,
        consent: 'I agree to the terms of service',
        ...(spec.link && { link: 'https://example.com/terms' }),
      }
    case 'freeText':
      return { '@type': 'FreeTextRequestItem', mustBeAccepted: spec.must, title: 'Your name?' }
  }
}

const ok = (): ExpectedResult => ({ isSuccess: true, items: [] })

export class CreateCommand implements Command {
  constructor(readonly spec: CreateSpec) {}
  check = () => true
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    const { spec } = this
    let owner: string = accounts[spec.owner % accounts.length]!
    let peer: string = accounts[spec.peer % accounts.length]!
    if (peer === owner) peer = accounts[(spec.peer + 1) % accounts.length]!
    if (spec.fault === 'peerIsOwner') peer = owner
    if (spec.fault === 'unknownPeer') peer = stranger
    if (spec.fault === 'unknownOwner') owner = stranger
    const items: (RequestItem | RequestItemGroup)[] = spec.nodes.map((n) =>
      'group' in n
        ? { '@type': 'RequestItemGroup', title: 'Together', items: n.group.map(buildItem) }
        : buildItem(n),
    )
    const tree: ExpectedResult[] = items.map((n) =>
      isGroupNode(n) ? { isSuccess: true, items: n.items.map(ok) } : ok(),
    )
    // The item the fault is put in, and its expected result.
    const flat: [number, number | null][] = items.flatMap((n, i) =>
      isGroupNode(n) ? n.items.map((_, j): [number, number | null] => [i, j]) : [[i, null]],
    )
    const [at, inGroup] = flat[spec.faultAt % flat.length]!
    const itemFault = {
      unknownType: 'unknown_item_type',
      noConsent: 'invalid_item',
      badLink: 'invalid_item',
    }[spec.fault as string]
    if (itemFault) {
      const node = items[at]!
      const target =
        inGroup === null ? (node as RequestItem) : (node as RequestItemGroup).items[inGroup]!
      const changed: RequestItem =
        spec.fault === 'unknownType'
          ? { '@type': 'MysteryRequestItem', mustBeAccepted: target.mustBeAccepted }
          : spec.fault === 'noConsent'
            ? { '@type': 'ConsentRequestItem', mustBeAccepted: target.mustBeAccepted }
            : {
                '@type': 'ConsentRequestItem',
                mustBeAccepted: target.mustBeAccepted,
                consent: 'I agree',
                link: 'ftp://example.com/terms',
              }
      const failing: ExpectedResult = { isSuccess: false, codes: [itemFault], items: [] }
      if (inGroup === null) {
        items[at] = changed
        tree[at] = failing
      } else {
        ;(items[at] as RequestItemGroup).items[inGroup] = changed
        tree[at]!.items![inGroup] = failing
        tree[at] = { isSuccess: false, codes: ['item_invalid'], items: tree[at]!.items! }
      }
    }
    const expiresAt =
      spec.fault === 'past'
        ? m.now - (spec.faultAt % 2)
        : spec.expiresIn === undefined
          ? undefined
          : m.now + spec.expiresIn
    const content = {
      items: spec.fault === 'noItems' ? [] : items,
      ...(expiresAt !== undefined && { expiresAt }),
      ...(spec.title !== undefined && { title: spec.title }),
    }
    const input = { owner, peer, content } as unknown as CreateRequestInput
    const wholeFault = {
      peerIsOwner: 'peer_is_owner',
      unknownPeer: 'recipient_not_found',
      past: 'request_expired',
    }[spec.fault as string]
    const expected: ExpectedResult =
      spec.fault === 'unknownOwner'
        ? { isSuccess: false, codes: ['not_found'] }
        : wholeFault
          ? { isSuccess: false, codes: [wholeFault], items: tree }
          : itemFault
            ? { isSuccess: false, codes: ['item_invalid'], items: tree }
            : { isSuccess: true, items: tree }

    const can = await attempt(() => r.ph.requests.canCreate(input))
    const got = await attempt(() => r.ph.requests.create(input))
    if (spec.fault === 'noItems') {
      expectFailure(can, ['invalid_input'], 'canCreate with no items')
      expectFailure(got, ['invalid_input'], 'create with no items')
      return checkAll(m, r)
    }
    const validation = expectSuccess(can, 'canCreate')
    expectResult(validation, expected, 'canCreate')
    if (!expected.isSuccess) {
      if (spec.fault === 'unknownOwner') {
        expectFailure(got, ['not_found'], 'create by an unknown owner')
      } else {
        const error = expectFailure(got, ['invalid_input'], 'create')
        expect(error.details.validation, 'create: details.validation').toEqual(validation)
      }
      return checkAll(m, r)
    }
    const created = expectSuccess(got, 'create')
    expect(created.id, 'a request id').toMatch(/^req_/)
    const stored: RequestContent = { '@type': 'Request', id: created.id, ...content }
    expect(created).toEqual({
      id: created.id,
      owner,
      direction: 'outgoing',
      peer,
      status: 'Draft',
      content: stored,
      sourceMessageId: null,
      response: null,
      history: [{ from: null, to: 'Draft', at: m.now }],
      version: 1,
      createdAt: m.now,
      updatedAt: m.now,
      expiresAt: expiresAt ?? null,
    } satisfies LocalRequest)
    expect(m.sides.has(`${owner}|outgoing|${created.id}`), 'a new id').toBe(false)
    m.create(owner, peer, structuredClone(stored))
    await checkAll(m, r)
  }
  toString = () => `create(${show(this.spec)})`
}

export type SendVariant = 'ok' | 'wrongTo' | 'extraTo' | 'tampered' | 'unknownId' | 'fromPeer'

/** Sends a Draft's content in a message: as it should be, or breaking one guard. */
export class SendCommand implements Command {
  constructor(
    readonly pick: number,
    readonly variant: SendVariant,
    readonly other: number,
    readonly keyed: boolean,
  ) {}
  /** With no request yet, only now and then (then it is `not_found`). */
  check = (m: Readonly<FuzzModel>) => m.outgoing.length > 0 || this.pick % 6 === 0
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    // Mostly a Draft when there is one (a send that should work); else any outgoing request.
    const drafts = m.outgoing.filter((s) => m.status(s) === 'Draft')
    const pool =
      this.variant === 'ok' && this.other % 4 !== 0 && drafts.length > 0 ? drafts : m.outgoing
    const side: Side | undefined = pool[this.pick % Math.max(1, pool.length)]
    let from: string = side?.owner ?? 'alice'
    let to: string[] = [side?.peer ?? 'bob']
    const content: RequestContent = side
      ? structuredClone(side.content)
      : {
          '@type': 'Request',
          id: 'req_unknown',
          items: [buildItem({ kind: 'auth', must: false, link: false })],
        }
    const others = accounts.filter((a) => a !== to[0])
    switch (this.variant) {
      case 'wrongTo':
        to = [others[this.other % others.length]!]
        break
      case 'extraTo':
        to = [to[0]!, others[this.other % others.length]!]
        break
      case 'tampered':
        content.title = `${content.title ?? 'Request'} (changed)`
        break
      case 'unknownId':
        content.id = 'req_unknown'
        break
      case 'fromPeer':
        ;[from, to] = [to[0]!, [from]]
        break
    }
    const key = this.keyed ? m.nextKey() : undefined
    const plan = m.planSend(from, to, content)
    const input = {
      from,
      to,
      content: content as unknown as Content,
      ...(key !== undefined && { idempotencyKey: key }),
    }
    const got = await attempt(() => r.ph.messages.send(input))
    if (plan.codes.length > 0) {
      expectFailure(got, plan.codes, `send of ${content.id} (${this.variant})`)
      return checkAll(m, r)
    }
    const message = expectSuccess(got, `send of ${content.id}`)
    expect([message.from, message.to, message.content], 'the Request message').toEqual([
      from,
      to,
      content,
    ])
    m.sent(plan.side!, message)
    if (key !== undefined) m.keyedSends.push({ from, to, content, key, message })
    await checkAll(m, r)
  }
  toString = () => `send(${this.pick}, ${this.variant}, other ${this.other}, keyed ${this.keyed})`
}

/** Sends a Request message again with its idempotency key: the same message, nothing new. */
export class RedeliverCommand implements Command {
  constructor(readonly pick: number) {}
  check = (m: Readonly<FuzzModel>) => m.keyedSends.length > 0
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    const sent = m.keyedSends[this.pick % m.keyedSends.length]!
    const got = await attempt(() =>
      r.ph.messages.send({
        from: sent.from,
        to: sent.to,
        content: sent.content as unknown as Content,
        idempotencyKey: sent.key,
      }),
    )
    expect(expectSuccess(got, `re-delivery of ${sent.message.id}`), 'the same message').toEqual(
      sent.message,
    )
    await checkAll(m, r)
  }
  toString = () => `redeliver(${this.pick})`
}

/** A Response sent by hand (an earlier one, or one made up): always `forbidden`. */
export class ForgeResponseCommand implements Command {
  constructor(
    readonly pick: number,
    readonly who: 'responder' | 'asker' | 'third',
  ) {}
  check = (m: Readonly<FuzzModel>) => m.outgoing.some((s) => s.sourceMessageId !== null)
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    const sent = m.outgoing.filter((s) => s.sourceMessageId !== null)
    const side = sent[this.pick % sent.length]!
    const content: ResponseContent =
      side.response?.content ??
      ({
        '@type': 'Response',
        requestId: side.id,
        result: 'Accepted',
        items: side.content.items.map((item) =>
          isGroupNode(item)
            ? {
                '@type': 'ResponseItemGroup',
                items: item.items.map(() => ({
                  '@type': 'AcceptResponseItem',
                  result: 'Accepted',
                })),
              }
            : { '@type': 'AcceptResponseItem', result: 'Accepted' },
        ),
      } as ResponseContent)
    const third = accounts.find((a) => a !== side.owner && a !== side.peer)!
    const [from, to] =
      this.who === 'responder'
        ? [side.peer, side.owner]
        : this.who === 'asker'
          ? [side.owner, side.peer]
          : [third, side.owner]
    const got = await attempt(() =>
      r.ph.messages.send({ from, to: [to], content: content as unknown as Content }),
    )
    expectFailure(got, ['forbidden'], `a Response to ${side.id} by messages.send from ${from}`)
    await checkAll(m, r)
  }
  toString = () => `forgeResponse(${this.pick}, ${this.who})`
}

export interface Choice {
  accept: boolean
  freeText: string | undefined
  code: string | undefined
  message: string | undefined
}

/** A shape fault, or `rejectGroup`: no fault, but every item of the first group rejected. */
export type DecisionFault = 'none' | 'rejectGroup' | 'count' | 'kind' | 'groupCount'

/** The decisions for `items` from the random choices, with one shape fault or none. */
function decisions(
  items: readonly (RequestItem | RequestItemGroup)[],
  choices: Choice[],
  mode: 'accept' | 'reject',
  fault: DecisionFault,
  faultAt: number,
): Decision[] {
  let k = 0
  const leaf = (item: RequestItem): DecideItem => {
    const c = choices[k++ % choices.length]!
    if (mode === 'accept' && c.accept) {
      return item['@type'] === 'FreeTextRequestItem' && c.freeText !== undefined
        ? { accept: true, freeText: c.freeText }
        : { accept: true }
    }
    return {
      accept: false,
      ...(c.code !== undefined && { code: c.code }),
      ...(c.message !== undefined && { message: c.message }),
    }
  }
  const out: Decision[] = items.map((item) =>
    isGroupNode(item) ? { items: item.items.map(leaf) } : leaf(item),
  )
  const extra: DecideItem = mode === 'accept' ? { accept: true } : { accept: false }
  switch (fault) {
    case 'rejectGroup': {
      // A group with no item accepted: its mustBeAccepted items may stay rejected.
      const group = out.find((d) => 'items' in d) as { items: DecideItem[] } | undefined
      if (group) group.items = group.items.map(() => ({ accept: false }))
      break
    }
    case 'count':
      if (faultAt % 2 === 0 && out.length > 1) out.pop()
      else out.push(extra)
      break
    case 'kind': {
      const i = faultAt % out.length
      out[i] = 'items' in out[i]! ? extra : { items: [extra] }
      break
    }
    case 'groupCount': {
      const group = out.find((d) => 'items' in d) as { items: DecideItem[] } | undefined
      if (group && group.items.length > 1 && faultAt % 2 === 0) group.items.pop()
      else group?.items.push(extra)
      break
    }
  }
  return out
}

/** Whom a decision acts on: an incoming side, its asker (never found), or an unknown id. */
function target(m: FuzzModel, pick: number, asAsker: boolean): { owner: string; id: string } {
  // Mostly one that can still be decided, when there is one.
  const open = m.incoming.filter((s) => m.status(s) === 'ManualDecisionRequired')
  const incoming = open.length > 0 && pick % 5 !== 0 ? open : m.incoming
  const side = incoming[pick % Math.max(1, incoming.length)]
  if (side) return { owner: asAsker ? side.peer : side.owner, id: side.id }
  const draft = m.outgoing[pick % Math.max(1, m.outgoing.length)]
  return draft ? { owner: draft.owner, id: draft.id } : { owner: 'alice', id: 'req_unknown' }
}

function isDecideGroup(d: Decision): d is DecideGroup {
  return Array.isArray((d as DecideGroup).items)
}

const failsAsItself = ['not_found', 'invalid_transition', 'request_expired']

/**
 * canAccept/canReject answer as the model does; accept/reject fail with the same code (or
 * `invalid_input` with the check as `details.validation`), or complete both sides.
 */
async function decide(
  m: FuzzModel,
  r: FuzzEngine,
  mode: 'accept' | 'reject',
  who: { owner: string; id: string },
  planned: Decision[],
  sent: Decision[] | undefined,
): Promise<void> {
  const input = { ...who, ...(sent !== undefined && { items: sent }) } as RejectRequestInput
  const acceptInput = { ...who, items: planned } as AcceptRequestInput
  const expected = m.planDecision(who.owner, who.id, planned, mode)
  const can = await attempt(() =>
    mode === 'accept' ? r.ph.requests.canAccept(acceptInput) : r.ph.requests.canReject(input),
  )
  const check = expectSuccess(can, `can${mode === 'accept' ? 'Accept' : 'Reject'}`)
  expectResult(check, expected, `can${mode === 'accept' ? 'Accept' : 'Reject'}`)
  const got = await attempt(() =>
    mode === 'accept' ? r.ph.requests.accept(acceptInput) : r.ph.requests.reject(input),
  )
  if (!expected.isSuccess) {
    if (expected.codes!.some((c) => failsAsItself.includes(c))) {
      expectFailure(got, expected.codes!, mode)
    } else {
      const error = expectFailure(got, ['invalid_input'], mode)
      expect(error.details.validation, `${mode}: details.validation`).toEqual(check)
    }
    return checkAll(m, r)
  }
  const side = m.sides.get(`${who.owner}|incoming|${who.id}`)!
  const response = m.response(side, planned, mode)
  const done = expectSuccess(got, mode)
  expect(done.status, `${mode}: the request`).toBe('Completed')
  expect(done.response?.content, `${mode}: the Response`).toEqual(response)
  expect(done.response?.createdAt, `${mode}: the Response's time`).toBe(m.now)
  m.decided(side, response, done.response!.messageId)
  await checkAll(m, r)
}

export class AcceptCommand implements Command {
  constructor(
    readonly pick: number,
    readonly asAsker: boolean,
    readonly choices: Choice[],
    readonly fault: DecisionFault,
    readonly faultAt: number,
  ) {}
  /** With nothing received yet, only now and then (then it is `not_found`). */
  check = (m: Readonly<FuzzModel>) => m.incoming.length > 0 || this.pick % 6 === 0
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    const who = target(m, this.pick, this.asAsker)
    const side =
      m.sides.get(`${who.owner}|incoming|${who.id}`) ??
      m.sides.get(`${who.owner}|outgoing|${who.id}`)
    const items = side?.content.items ?? [buildItem({ kind: 'auth', must: false, link: false })]
    const planned = decisions(items, this.choices, 'accept', this.fault, this.faultAt)
    await decide(m, r, 'accept', who, planned, planned)
  }
  toString = () =>
    `accept(${this.pick}, asAsker ${this.asAsker}, ${show(this.choices)}, ${this.fault}, ${this.faultAt})`
}

export type RejectMode = 'omit' | 'explicit' | 'withAccept' | 'count'

export class RejectCommand implements Command {
  constructor(
    readonly pick: number,
    readonly asAsker: boolean,
    readonly mode: RejectMode,
    readonly choices: Choice[],
    readonly faultAt: number,
  ) {}
  check = (m: Readonly<FuzzModel>) => m.incoming.length > 0 || this.pick % 6 === 0
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    const who = target(m, this.pick, this.asAsker)
    const incoming = m.sides.get(`${who.owner}|incoming|${who.id}`)
    const outgoing = m.sides.get(`${who.owner}|outgoing|${who.id}`)
    const items = (incoming ?? outgoing)?.content.items ?? [
      buildItem({ kind: 'auth', must: false, link: false }),
    ]
    const planned = decisions(
      items,
      this.choices,
      'reject',
      this.mode === 'count' ? 'count' : 'none',
      this.faultAt,
    )
    if (this.mode === 'withAccept') {
      // One item (maybe in a group) accepted in a reject.
      const i = this.faultAt % planned.length
      const d = planned[i]!
      if (isDecideGroup(d)) d.items[this.faultAt % d.items.length] = { accept: true }
      else planned[i] = { accept: true }
    }
    const sent = this.mode === 'omit' ? undefined : planned
    if (this.mode === 'omit') {
      // What an omitted `items` means: every item rejected with no code or message.
      planned.forEach((d, i) => {
        planned[i] = isDecideGroup(d)
          ? { items: d.items.map(() => ({ accept: false as const })) }
          : { accept: false }
      })
    }
    await decide(m, r, 'reject', who, planned, sent)
  }
  toString = () =>
    `reject(${this.pick}, asAsker ${this.asAsker}, ${this.mode}, ${show(this.choices)}, ${this.faultAt})`
}

/** Time passes; with `sweep`, expireDue() stores every request that expired. */
export class TickCommand implements Command {
  constructor(
    readonly ms: number,
    readonly sweep: boolean,
  ) {}
  check = () => true
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    r.clock.tick(this.ms)
    m.now += this.ms
    if (this.sweep) {
      const due = m.dueCount()
      expect(await r.ph.requests.expireDue(), 'expireDue(): how many expired').toBe(due)
    }
    // Without the sweep, the reads of the check store them.
    m.expireDue()
    await checkAll(m, r)
  }
  toString = () => `tick(${this.ms}, sweep ${this.sweep})`
}

/** Nothing is due after a check has read everything: expireDue() finds none. */
export class ExpireDueCommand implements Command {
  check = () => true
  async run(m: FuzzModel, r: FuzzEngine): Promise<void> {
    expect(await r.ph.requests.expireDue(), 'expireDue() with nothing due').toBe(0)
    await checkAll(m, r)
  }
  toString = () => 'expireDue()'
}
