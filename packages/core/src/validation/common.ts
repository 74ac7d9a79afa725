import { z } from 'zod'

/** `alice` or `alice@peer`: letters, digits, `.`, `_`, `-`; at most 128 characters a part. */
export const addressPattern = /^[A-Za-z0-9._-]{1,128}(@[A-Za-z0-9._-]{1,128})?$/
export const address = z
  .string()
  .regex(addressPattern, 'an address like "alice" or "alice@peer" (letters, digits, . _ -)')

/** Box names: lower-case letters, digits, `_`, `-`; 1 to 64 characters. */
export const boxNamePattern = /^[a-z0-9][a-z0-9_-]{0,63}$/
export const boxName = z
  .string()
  .regex(boxNamePattern, 'a box name of 1-64 characters: a-z, 0-9, _ and -, like "archive"')

export const limit = z.number().int().min(1).max(1000)
export const timestamp = z.number().int().min(0)
export const version = z.number().int().min(1)
/**
 * A string of `min` to `max` characters without NUL: PostgreSQL refuses NUL in text and jsonb,
 * so one store would keep what the other fails on.
 */
export const text = (min: number, max = Number.POSITIVE_INFINITY) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'text without NUL (\\u0000) characters')

export const messageId = text(1, 200)
export const idList = z.array(messageId).min(1).max(1000)
export const identifier = text(1, 200)

type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** A JSON object as message content: no functions, no undefined, no cycles, no NaN. */
export const jsonObject = z.record(z.string(), z.unknown()).check((ctx) => {
  const problem = findNonJson(ctx.value, '', new Set())
  if (problem) {
    ctx.issues.push({
      code: 'custom',
      message: `JSON (${problem.what} at ${problem.path || 'the top'} is not)`,
      input: ctx.value,
    })
  }
}) as unknown as z.ZodType<Record<string, Json>>

function findNonJson(
  value: unknown,
  path: string,
  seen: Set<object>,
): { path: string; what: string } | undefined {
  switch (typeof value) {
    case 'string':
      return value.includes('\u0000') ? { path, what: 'a NUL (\\u0000) character' } : undefined
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : { path, what: String(value) }
    case 'object': {
      if (value === null) return undefined
      if (seen.has(value)) return { path, what: 'a cycle' }
      const proto = Object.getPrototypeOf(value)
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        return { path, what: `a ${proto?.constructor?.name ?? 'class'} instance` }
      }
      seen.add(value)
      for (const [key, inner] of Object.entries(value)) {
        const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key
        if (key.includes('\u0000')) {
          const shown = at.replaceAll('\u0000', '\\u0000')
          return { path: shown, what: 'a NUL (\\u0000) character in a key' }
        }
        const found = findNonJson(inner, at, seen)
        if (found) return found
      }
      seen.delete(value)
      return undefined
    }
    default:
      return { path, what: typeof value === 'undefined' ? 'undefined' : `a ${typeof value}` }
  }
}
