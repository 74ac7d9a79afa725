import type { RequestConfig } from '../engine/context.js'
import type { Json } from '../types.js'
import { failed, isGroup, parentOf, passed } from './check-create.js'
import type {
  DecideGroup,
  DecideItem,
  RequestItem,
  RequestItemContext,
  RequestItemGroup,
  RequestStatus,
  ValidationResult,
} from './types.js'

export type DecisionMode = 'accept' | 'reject'
type Decision = DecideItem | DecideGroup

function isDecideGroup(d: Decision): d is DecideGroup {
  return Array.isArray((d as DecideGroup).items)
}

/** Every item rejected with no reason: what `reject` without `items` means. */
export function rejectAll(items: readonly (RequestItem | RequestItemGroup)[]): Decision[] {
  return items.map((item) =>
    isGroup(item)
      ? { items: item.items.map(() => ({ accept: false as const })) }
      : { accept: false as const },
  )
}

/**
 * Checks decisions on an incoming request, in a tree that mirrors its items. The status and
 * expiry are checked first: then nothing else is. Accept and reject work from
 * `DecisionRequired` and `ManualDecisionRequired` only.
 */
export function checkDecision(
  config: RequestConfig,
  request: {
    status: RequestStatus
    expired: boolean
    items: readonly (RequestItem | RequestItemGroup)[]
  },
  decisions: readonly Decision[],
  mode: DecisionMode,
  context: RequestItemContext,
): ValidationResult {
  if (request.expired) {
    return failed(
      'request_expired',
      `request ${context.requestId} expired: it can no longer be decided`,
    )
  }
  if (request.status !== 'DecisionRequired' && request.status !== 'ManualDecisionRequired') {
    return failed(
      'invalid_transition',
      `request ${context.requestId} is ${request.status}: only a request in DecisionRequired or ManualDecisionRequired can be ${mode}ed`,
    )
  }
  if (decisions.length !== request.items.length) {
    return failed(
      'wrong_item_count',
      `items: expected ${request.items.length} decisions (one per item or group, in order), got ${decisions.length}`,
    )
  }
  const results = request.items.map((item, i) =>
    checkNode(config, item, decisions[i]!, mode, context, `items[${i}]`),
  )
  const whole = parentOf(results, 'request')
  if (!whole.isSuccess || mode === 'reject') return whole
  if (!decisions.some(anyAccepted)) {
    return failed(
      'no_item_accepted',
      'items: accepting needs at least one accepted item (use reject to reject them all)',
      results,
    )
  }
  return whole
}

function anyAccepted(d: Decision): boolean {
  return isDecideGroup(d) ? d.items.some(anyAccepted) : d.accept === true
}

function checkNode(
  config: RequestConfig,
  item: RequestItem | RequestItemGroup,
  decision: Decision,
  mode: DecisionMode,
  context: RequestItemContext,
  at: string,
): ValidationResult {
  if (isGroup(item) !== isDecideGroup(decision)) {
    const [asked, answered] = isGroup(item) ? ['a group', 'an item'] : ['an item', 'a group']
    return failed(
      'item_kind_mismatch',
      `${at}: expected the decision for ${asked}, got one for ${answered}`,
    )
  }
  if (!isGroup(item))
    return checkItem(config, item, decision as DecideItem, mode, context, at, true)
  const group = decision as DecideGroup
  if (group.items.length !== item.items.length) {
    return failed(
      'wrong_item_count',
      `${at}.items: expected ${item.items.length} decisions, got ${group.items.length}`,
    )
  }
  // A group with an accepted item is accepted: then its mustBeAccepted items must be too.
  const accepted = group.items.some(anyAccepted)
  return parentOf(
    item.items.map((child, i) => {
      const d = group.items[i]!
      if (isDecideGroup(d)) {
        return failed(
          'item_kind_mismatch',
          `${at}.items[${i}]: expected the decision for an item, got one for a group`,
        )
      }
      return checkItem(config, child, d, mode, context, `${at}.items[${i}]`, accepted)
    }),
    at,
  )
}

function checkItem(
  config: RequestConfig,
  item: RequestItem,
  decision: DecideItem,
  mode: DecisionMode,
  context: RequestItemContext,
  at: string,
  mustHold: boolean,
): ValidationResult {
  if (mode === 'reject') {
    return decision.accept
      ? failed(
          'item_accepted_in_reject',
          `${at}: a reject rejects every item, got { accept: true }`,
        )
      : passed()
  }
  if (!decision.accept) {
    return item.mustBeAccepted && mustHold
      ? failed(
          'must_be_accepted',
          `${at}: "${item['@type']}" has mustBeAccepted: true and was rejected`,
        )
      : passed()
  }
  const processor = config.processors.get(item['@type'])
  if (!processor) {
    return failed(
      'unknown_item_type',
      `${at}: no processor for "${item['@type']}": it can only be rejected`,
    )
  }
  const failure = processor.canAccept?.(item, paramsOf(decision), context)
  return failure ? failed(failure.code, `${at}: ${failure.message}`) : passed()
}

/** The accept parameters of an item's decision (everything but `accept`). */
export function paramsOf(decision: DecideItem): { [key: string]: Json | undefined } {
  const { accept: _, ...params } = decision
  return params
}
