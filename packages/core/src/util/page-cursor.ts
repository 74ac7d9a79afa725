import { createHash } from 'node:crypto'
import { PigeonholeError } from '../errors.js'
import type { Page } from '../types.js'
import { canonicalJson } from './canonical-json.js'

/**
 * Every list cursor is base64url of `[2, listing, ...key]`: `listing` is a short hash of what
 * was listed (which method, owner, filters), so a cursor used for another listing is refused
 * instead of silently skipping or repeating items. It is not a secret: a forged cursor only
 * moves the start of the caller's own listing, whose owner and filters come from the call.
 */
const envelope = 2

export interface OpenedCursor {
  listing: string
  key: unknown[]
}

/** A short hash of a listing's canonical JSON; left-out filters (undefined) are dropped. */
export function listingHash(listing: Record<string, unknown>): string {
  const defined = Object.fromEntries(Object.entries(listing).filter(([, v]) => v !== undefined))
  return createHash('sha256').update(canonicalJson(defined)).digest('base64url').slice(0, 12)
}

export function sealCursor(listing: string, key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify([envelope, listing, ...key])).toString('base64url')
}

/** The listing hash and key of a cursor, or undefined when it is not a cursor at all. */
export function openCursor(text: string): OpenedCursor | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (!Array.isArray(raw) || raw[0] !== envelope || typeof raw[1] !== 'string') return undefined
  return { listing: raw[1], key: raw.slice(2) }
}

/**
 * Opens `text` for the listing `listing`; `readKey` checks the key's shape (undefined: not a
 * key of this listing kind). Malformed and foreign cursors are `invalid_input` on `cursor`.
 */
export function readCursor<K>(
  text: string,
  listing: string,
  where: string,
  readKey: (key: unknown[]) => K | undefined,
): K {
  const opened = openCursor(text)
  if (!opened) throw malformedCursor(text, where)
  if (opened.listing !== listing) throw foreignCursor(where)
  const key = readKey(opened.key)
  if (key === undefined) throw malformedCursor(text, where)
  return key
}

export function malformedCursor(text: string, where: string): PigeonholeError {
  const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text
  return new PigeonholeError(
    'invalid_input',
    `${where}: cursor: expected a cursor returned by an earlier list call, got "${shown}"`,
    { field: 'cursor', expected: 'a cursor returned by list', got: shown },
  )
}

export function foreignCursor(where: string): PigeonholeError {
  return new PigeonholeError(
    'invalid_input',
    `${where}: cursor: expected a cursor of this listing, got one that belongs to another listing (another owner, box, filter or list method); start again without a cursor`,
    { field: 'cursor', expected: 'a cursor of this listing', got: 'a cursor of another listing' },
  )
}

/**
 * A forward-only keyset page from a query that read `size + 1` rows: the first `size` as
 * items, and a cursor after the last of them when there were more.
 */
export function forwardPage<R, T>(
  rows: readonly R[],
  size: number,
  listing: string,
  toItem: (row: R) => T,
  keyOf: (row: R) => unknown[],
): Page<T> {
  const page = rows.slice(0, size)
  const last = page.at(-1)
  return {
    items: page.map(toItem),
    nextCursor: rows.length > size && last !== undefined ? sealCursor(listing, keyOf(last)) : null,
    prevCursor: null,
  }
}
