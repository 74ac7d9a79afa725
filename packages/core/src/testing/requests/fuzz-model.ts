import type {
  DecideGroup,
  DecideItem,
  RequestContent,
  RequestDirection,
  RequestItem,
  RequestItemGroup,
  RequestStatus,
  ResponseContent,
  ResponseItem,
  ResponseItemGroup,
} from '../../requests/types.js'
import type { Message } from '../../types.js'

/** The accounts of every run; `zed` is never registered. */
export const accounts = ['alice', 'bob', 'carol'] as const
export const stranger = 'zed'

/** One side of a request as the model expects it. */
export interface Side {
  owner: string
  direction: RequestDirection
  peer: string
  id: string
  content: RequestContent
  /** Every status it went through, in order: the last one is the current status. */
  path: RequestStatus[]
  sourceMessageId: string | null
  response: { content: ResponseContent; messageId: string } | null
}

/** A Request message sent with an idempotency key: re-sending it must return it unchanged. */
export interface KeyedSend {
  from: string
  to: string[]
  content: RequestContent
  key: string
  message: Message
}

export type Decision = DecideItem | DecideGroup

/**
 * An expected check result: `items` undefined means the children are not compared (a node
 * that failed for its own shape); `codes` lists the codes the contract allows (more than one
 * only where it names no precedence).
 */
export interface ExpectedResult {
  isSuccess: boolean
  codes?: string[]
  items?: ExpectedResult[]
}

const undecided: readonly RequestStatus[] = [
  'Draft',
  'Open',
  'DecisionRequired',
  'ManualDecisionRequired',
]

export function sideKey(owner: string, direction: RequestDirection, id: string): string {
  return `${owner}|${direction}|${id}`
}

export function isGroupNode(item: RequestItem | RequestItemGroup): item is RequestItemGroup {
  return item['@type'] === 'RequestItemGroup'
}

function isDecideGroup(d: Decision): d is DecideGroup {
  return Array.isArray((d as DecideGroup).items)
}

function anyAccepted(d: Decision): boolean {
  return isDecideGroup(d) ? d.items.some(anyAccepted) : d.accept === true
}

/** The whole state the engine should hold, and the clock. */
export class FuzzModel {
  now: number
  readonly sides = new Map<string, Side>()
  /** Outgoing requests in creation order (what `send` picks from). */
  readonly outgoing: Side[] = []
  readonly keyedSends: KeyedSend[] = []
  #keys = 0

  constructor(now: number) {
    this.now = now
  }

  nextKey(): string {
    this.#keys += 1
    return `request-send-${this.#keys}`
  }

  status(side: Side): RequestStatus {
    return side.path.at(-1)!
  }

  get incoming(): Side[] {
    return [...this.sides.values()].filter((s) => s.direction === 'incoming')
  }

  /** The other side of a request on this engine, if it is held. */
  otherSide(side: Side): Side | undefined {
    const other: RequestDirection = side.direction === 'outgoing' ? 'incoming' : 'outgoing'
    return this.sides.get(sideKey(side.peer, other, side.id))
  }

  isDue(side: Side): boolean {
    const at = side.content.expiresAt
    return at !== undefined && this.now > at && undecided.includes(this.status(side))
  }

  dueCount(): number {
    return [...this.sides.values()].filter((s) => this.isDue(s)).length
  }

  /** Every side past its `expiresAt` and not yet decided is `Expired` (what a read stores). */
  expireDue(): void {
    for (const side of this.sides.values()) if (this.isDue(side)) side.path.push('Expired')
  }

  create(owner: string, peer: string, content: RequestContent): Side {
    const side: Side = {
      owner,
      direction: 'outgoing',
      peer,
      id: content.id,
      content,
      path: ['Draft'],
      sourceMessageId: null,
      response: null,
    }
    this.sides.set(sideKey(owner, 'outgoing', content.id), side)
    this.outgoing.push(side)
    return side
  }

  /**
   * The codes a send of a Request may fail with, as the contract lists its guards (it gives
   * them no order, so every one that applies is allowed); empty: it must succeed.
   */
  planSend(from: string, to: string[], content: RequestContent): { codes: string[]; side?: Side } {
    const side = this.sides.get(sideKey(from, 'outgoing', content.id))
    if (!side) return { codes: ['not_found'] }
    const codes: string[] = []
    const status = this.status(side)
    if (side.sourceMessageId !== null) codes.push('request_already_sent')
    if (status === 'Expired') codes.push('request_expired')
    if (to.length !== 1 || to[0] !== side.peer) codes.push('request_peer_mismatch')
    if (JSON.stringify(sortKeys(content)) !== JSON.stringify(sortKeys(side.content))) {
      codes.push('request_content_mismatch')
    }
    return { codes, side }
  }

  sent(side: Side, message: Message): void {
    side.path.push('Open')
    side.sourceMessageId = message.id
    this.sides.set(sideKey(side.peer, 'incoming', side.id), {
      owner: side.peer,
      direction: 'incoming',
      peer: side.owner,
      id: side.id,
      content: side.content,
      path: ['Open', 'DecisionRequired', 'ManualDecisionRequired'],
      sourceMessageId: message.id,
      response: null,
    })
  }

  /**
   * What `canAccept` / `canReject` should answer for `decisions` on `owner`'s incoming request
   * `id` (the contract's codes, item by item).
   */
  planDecision(
    owner: string,
    id: string,
    decisions: Decision[],
    mode: 'accept' | 'reject',
  ): ExpectedResult {
    const side = this.sides.get(sideKey(owner, 'incoming', id))
    if (!side) return { isSuccess: false, codes: ['not_found'] }
    const status = this.status(side)
    if (status === 'Expired') return { isSuccess: false, codes: ['request_expired'] }
    if (status !== 'DecisionRequired' && status !== 'ManualDecisionRequired') {
      return { isSuccess: false, codes: ['invalid_transition'] }
    }
    const items = side.content.items
    if (decisions.length !== items.length) return { isSuccess: false, codes: ['wrong_item_count'] }
    const children = items.map((item, i) => planNode(item, decisions[i]!, mode))
    const childFailed = children.some((c) => !c.isSuccess)
    const noneAccepted = mode === 'accept' && !decisions.some(anyAccepted)
    const codes = [
      ...(childFailed ? ['item_invalid'] : []),
      ...(noneAccepted ? ['no_item_accepted'] : []),
    ]
    return codes.length === 0
      ? { isSuccess: true, items: children }
      : { isSuccess: false, codes, items: children }
  }

  /** The Response an accept or reject that succeeds must send. */
  response(side: Side, decisions: Decision[], mode: 'accept' | 'reject'): ResponseContent {
    return {
      '@type': 'Response',
      requestId: side.id,
      result: mode === 'accept' ? 'Accepted' : 'Rejected',
      items: side.content.items.map((item, i) => {
        const d = decisions[i]!
        if (isGroupNode(item)) {
          const group: ResponseItemGroup = {
            '@type': 'ResponseItemGroup',
            items: item.items.map((child, j) => this.#answer(child, (d as DecideGroup).items[j]!)),
          }
          return group
        }
        return this.#answer(item, d as DecideItem)
      }),
    }
  }

  #answer(item: RequestItem, d: DecideItem): ResponseItem {
    if (!d.accept) {
      return {
        '@type': 'RejectResponseItem',
        result: 'Rejected',
        ...(d.code !== undefined && { code: d.code }),
        ...(d.message !== undefined && { message: d.message }),
      }
    }
    switch (item['@type']) {
      case 'ConsentRequestItem':
        return {
          '@type': 'ConsentAcceptResponseItem',
          result: 'Accepted',
          consent: item.consent as string,
          ...(item.link !== undefined && { link: item.link }),
          acceptedAt: this.now,
        }
      case 'FreeTextRequestItem':
        return {
          '@type': 'FreeTextAcceptResponseItem',
          result: 'Accepted',
          freeText: d.freeText as string,
        }
      default:
        return { '@type': 'AcceptResponseItem', result: 'Accepted' }
    }
  }

  /** The incoming side was decided: both sides end `Completed` with the Response. */
  decided(side: Side, content: ResponseContent, messageId: string): void {
    side.path.push('Decided', 'Completed')
    side.response = { content, messageId }
    const asker = this.otherSide(side)!
    asker.path.push('Completed')
    asker.response = { content, messageId }
  }
}

function planNode(
  item: RequestItem | RequestItemGroup,
  decision: Decision,
  mode: 'accept' | 'reject',
): ExpectedResult {
  if (isGroupNode(item) !== isDecideGroup(decision)) {
    return { isSuccess: false, codes: ['item_kind_mismatch'] }
  }
  if (!isGroupNode(item)) return planItem(item, decision as DecideItem, mode, true)
  const group = decision as DecideGroup
  if (group.items.length !== item.items.length) {
    return { isSuccess: false, codes: ['wrong_item_count'] }
  }
  const accepted = group.items.some(anyAccepted)
  const children = item.items.map((child, i) =>
    planItem(child, group.items[i] as DecideItem, mode, accepted),
  )
  return children.every((c) => c.isSuccess)
    ? { isSuccess: true, items: children }
    : { isSuccess: false, codes: ['item_invalid'], items: children }
}

function planItem(
  item: RequestItem,
  d: DecideItem,
  mode: 'accept' | 'reject',
  mustHold: boolean,
): ExpectedResult {
  const fail = (code: string): ExpectedResult => ({ isSuccess: false, codes: [code], items: [] })
  if (mode === 'reject')
    return d.accept ? fail('item_accepted_in_reject') : { isSuccess: true, items: [] }
  if (!d.accept) {
    return item.mustBeAccepted && mustHold
      ? fail('must_be_accepted')
      : { isSuccess: true, items: [] }
  }
  if (item['@type'] === 'FreeTextRequestItem' && typeof d.freeText !== 'string') {
    return fail('invalid_parameters')
  }
  return { isSuccess: true, items: [] }
}

/** For comparing contents whatever the order of their keys. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}
