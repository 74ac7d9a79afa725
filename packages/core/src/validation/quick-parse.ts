import type { z } from 'zod'
import { getItemInput, markInput } from '../messages/schemas.js'
import { isWellFormed } from '../util/well-formed.js'
import { address, addressPattern } from './common.js'
import { parseInput } from './parse.js'

// Small calls (counts, getItem, markRead by ids) take the same few fields on every call, and zod costs about
// as much as SQLite's answer to them. These accept only what their zod schema accepts, return
// what it returns, and hand everything else to zod, which gives the one error. The schema
// stays the one definition: quick-parse.test.ts checks both agree over generated inputs.

/** `parseInput(address, value, where, root)`: a string matching `addressPattern`, lower-cased. */
export function parseAddress(value: unknown, where: string, root: string): string {
  if (typeof value === 'string' && addressPattern.test(value)) return value.toLowerCase()
  return parseInput(address, value, where, root)
}

type ItemInput = z.output<typeof getItemInput>

/** `parseInput(getItemInput, input, where)`. */
export function parseItemInput(input: unknown, where: string): ItemInput {
  return quickItemInput(input) ?? parseInput(getItemInput, input, where)
}

/** The parsed input when it is a plain object of `owner`, `id` and maybe `role`, all valid. */
export function quickItemInput(input: unknown): ItemInput | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  if (Object.getPrototypeOf(input) !== Object.prototype) return undefined
  // zod's strictObject walks the keys with for...in too.
  for (const key in input) if (key !== 'owner' && key !== 'id' && key !== 'role') return undefined
  const { owner, id, role } = input as Record<string, unknown>
  if (typeof owner !== 'string' || !addressPattern.test(owner)) return undefined
  if (!isMessageId(id)) return undefined
  if (role === undefined) return { owner: owner.toLowerCase(), id }
  if (role !== 'received' && role !== 'sent') return undefined
  return { owner: owner.toLowerCase(), id, role }
}

type MarkParsed = z.output<typeof markInput>

/** `parseInput(markInput, input, where)`. */
export function parseMarkInput(input: unknown, where: string): MarkParsed {
  return quickMarkIds(input) ?? parseInput(markInput, input, where)
}

/** The parsed input when it is a plain object of `owner` and 1 to 1000 `ids`, all valid. */
export function quickMarkIds(input: unknown): MarkParsed | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  if (Object.getPrototypeOf(input) !== Object.prototype) return undefined
  for (const key in input) if (key !== 'owner' && key !== 'ids') return undefined
  const { owner, ids } = input as Record<string, unknown>
  if (typeof owner !== 'string' || !addressPattern.test(owner)) return undefined
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000) return undefined
  // A copy, as zod gives: a caller changing its array later does not change a queued write.
  const out = new Array<string>(ids.length)
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i]
    if (!isMessageId(id)) return undefined
    out[i] = id
  }
  return { owner: owner.toLowerCase(), ids: out }
}

/** `messageId`: 1 to 200 characters, no NUL, no lone surrogate. */
function isMessageId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 200 &&
    !value.includes('\u0000') &&
    isWellFormed(value)
  )
}
