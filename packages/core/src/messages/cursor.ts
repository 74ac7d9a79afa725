import { PigeonholeError } from '../errors.js'

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

/** Opaque to callers: base64url of a small JSON array. */
export function encodeCursor(cursor: ListCursor): string {
  const { key } = cursor
  const raw = [
    1,
    key.createdAt,
    key.messageId,
    key.role,
    cursor.direction === 'after' ? 'a' : 'b',
    cursor.order === 'newest' ? 'n' : 'o',
  ]
  return Buffer.from(JSON.stringify(raw)).toString('base64url')
}

export function decodeCursor(text: string, where: string): ListCursor {
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    raw = undefined
  }
  if (
    !Array.isArray(raw) ||
    raw.length !== 6 ||
    raw[0] !== 1 ||
    !Number.isSafeInteger(raw[1]) ||
    typeof raw[2] !== 'string' ||
    raw[2].includes('\u0000') ||
    (raw[3] !== 'received' && raw[3] !== 'sent') ||
    (raw[4] !== 'a' && raw[4] !== 'b') ||
    (raw[5] !== 'n' && raw[5] !== 'o')
  ) {
    const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text
    throw new PigeonholeError(
      'invalid_input',
      `${where}: cursor: expected a cursor returned by an earlier list call, got "${shown}"`,
      {
        field: 'cursor',
        expected: 'a cursor returned by list',
        got: shown,
      },
    )
  }
  return {
    key: { createdAt: raw[1], messageId: raw[2], role: raw[3] },
    direction: raw[4] === 'a' ? 'after' : 'before',
    order: raw[5] === 'n' ? 'newest' : 'oldest',
  }
}
