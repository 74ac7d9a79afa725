import { readCursor, sealCursor } from '../util/page-cursor.js'

/** Where a page starts: the key of an entry and which way to walk from it. */
export interface EntryKey {
  createdAt: number
  messageId: string
  role: string
}

export interface ListCursor {
  key: EntryKey
  /** 'after': the page after this key; 'before': the page before it. */
  direction: 'after' | 'before'
  order: 'newest' | 'oldest'
}

/** Opaque to callers; `listing` is the hash of the listing it pages (see `listingHash`). */
export function encodeCursor(cursor: ListCursor, listing: string): string {
  const { key } = cursor
  return sealCursor(listing, [
    key.createdAt,
    key.messageId,
    key.role,
    cursor.direction === 'after' ? 'a' : 'b',
    cursor.order === 'newest' ? 'n' : 'o',
  ])
}

/** The cursor, if it is well formed and was made for `listing`; else `invalid_input`. */
export function decodeCursor(text: string, listing: string, where: string): ListCursor {
  return readCursor(text, listing, where, (raw) => {
    if (
      raw.length !== 5 ||
      !Number.isSafeInteger(raw[0]) ||
      typeof raw[1] !== 'string' ||
      raw[1].includes('\u0000') ||
      (raw[2] !== 'received' && raw[2] !== 'sent') ||
      (raw[3] !== 'a' && raw[3] !== 'b') ||
      (raw[4] !== 'n' && raw[4] !== 'o')
    ) {
      return undefined
    }
    return {
      key: { createdAt: raw[0] as number, messageId: raw[1], role: raw[2] },
      direction: raw[3] === 'a' ? 'after' : 'before',
      order: raw[4] === 'n' ? 'newest' : 'oldest',
    }
  })
}
