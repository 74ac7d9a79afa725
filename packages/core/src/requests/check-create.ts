import type { RequestConfig } from '../engine/context.js'
import type {
  RequestContent,
  RequestItem,
  RequestItemContext,
  RequestItemGroup,
  ValidationResult,
} from './types.js'

/** A check's outcome for one node of the tree. */
export function passed(items: ValidationResult[] = []): ValidationResult {
  return { isSuccess: true, items }
}

export function failed(
  code: string,
  message: string,
  items: ValidationResult[] = [],
): ValidationResult {
  return { isSuccess: false, code, message, items }
}

/** A parent is fine only when all its children are: else it fails with `item_invalid`. */
export function parentOf(items: ValidationResult[], what: string): ValidationResult {
  const bad = items.filter((r) => !r.isSuccess).length
  if (bad === 0) return passed(items)
  return failed('item_invalid', `${what}: ${bad} of its ${items.length} items failed`, items)
}

export function isGroup(item: RequestItem | RequestItemGroup): item is RequestItemGroup {
  return item['@type'] === 'RequestItemGroup'
}

/**
 * The items of a request about to be created: every kind must have a processor, and its
 * `validate` must pass. `whole` is what is wrong with the request as a whole, if anything.
 */
export function checkCreate(
  config: RequestConfig,
  content: Pick<RequestContent, 'items'>,
  context: RequestItemContext,
  whole: { code: string; message: string } | undefined,
): ValidationResult {
  const items = content.items.map((item, i) =>
    checkItemOrGroup(config, item, context, `items[${i}]`),
  )
  if (whole) return failed(whole.code, whole.message, items)
  return parentOf(items, 'request')
}

function checkItemOrGroup(
  config: RequestConfig,
  item: RequestItem | RequestItemGroup,
  context: RequestItemContext,
  at: string,
): ValidationResult {
  if (isGroup(item)) {
    return parentOf(
      item.items.map((child, i) => checkItem(config, child, context, `${at}.items[${i}]`)),
      at,
    )
  }
  return checkItem(config, item, context, at)
}

function checkItem(
  config: RequestConfig,
  item: RequestItem,
  context: RequestItemContext,
  at: string,
): ValidationResult {
  const processor = config.processors.get(item['@type'])
  if (!processor) {
    return failed(
      'unknown_item_type',
      `${at}: no processor for "${item['@type']}" (register one in openPigeonhole({ requests: { processors } }))`,
    )
  }
  const failure = processor.validate?.(item, context)
  return failure ? failed(failure.code, `${at}: ${failure.message}`) : passed()
}
