import { z } from 'zod'
import { isWellFormed } from '../util/well-formed.js'

export { jsonObject, maxContentDepth } from './json-content.js'

/**
 * One part of an address (the name, or the peer after `@`): 1 to 128 ASCII letters, digits,
 * `.`, `_` and `-`, starting and ending with a letter or digit, no two dots in a row.
 */
const part = '(?!.*\\.\\.)[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?'
export const addressPartPattern = new RegExp(`^${part}$`)
/** `alice` or `alice@peer`, each part by the rule above. */
export const addressPattern = new RegExp(`^${part}(?:@${part})?$`)

const partRule =
  '1-128 ASCII letters, digits, ".", "_", "-", starting and ending with a letter or digit, no ".."'

/**
 * An address, folded to lower case: addresses are ASCII and case-insensitive, so `Alice` and
 * `alice` are one account, stored and returned as `alice`.
 */
export const address = z
  .string()
  .regex(addressPattern, `an address like "alice" or "alice@peer" (${partRule} a part)`)
  .toLowerCase()

/** A peer id: one address part, folded to lower case like every address. */
export const addressPart = z
  .string()
  .regex(addressPartPattern, `an address part like "local" (${partRule})`)
  .toLowerCase()

/** Box names: lower-case letters, digits, `_`, `-`; 1 to 64 characters. */
export const boxNamePattern = /^[a-z0-9][a-z0-9_-]{0,63}$/
export const boxName = z
  .string()
  .regex(boxNamePattern, 'a box name of 1-64 characters: a-z, 0-9, _ and -, like "archive"')

/** The largest value of PostgreSQL's `integer` (versions are `integer` columns). */
export const maxInt32 = 2 ** 31 - 1

export const limit = z.number().int().min(1).max(1000)
/** Ms since the epoch, stored as bigint: zod's `int()` also keeps it within 2^53 - 1. */
export const timestamp = z.number().int().min(0)
/** The bound comes before `int()`, so 2^53 is refused for being above 2^31 - 1, not 2^53 - 1. */
export const version = z.number().min(1).max(maxInt32).int()
export const pageNumber = z.number().min(1).max(maxInt32).int()
/**
 * A string of `min` to `max` characters without NUL or lone UTF-16 surrogates: PostgreSQL
 * refuses both in text and jsonb (SQLite would keep what PostgreSQL fails on, and a lone
 * surrogate becomes U+FFFD on the way in), so both stores refuse them alike.
 */
export const text = (min: number, max = Number.POSITIVE_INFINITY) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'text without NUL (\\u0000) characters')
    .refine(isWellFormed, 'well-formed text (no lone UTF-16 surrogate)')

export const messageId = text(1, 200)
export const idList = z.array(messageId).min(1).max(1000)
export const identifier = text(1, 200)
