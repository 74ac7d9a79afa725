import { z } from 'zod'
import type { Content, ContentInput, Json } from '../types.js'
import { escapeUnsafe, isWellFormed } from '../util/well-formed.js'

/**
 * Deepest nesting of message content: the content object is level 1, an object or array in it
 * level 2, and so on. The walk below recurses at most this deep, so no input can overflow the
 * stack (JSON.stringify and JSON.parse would on a few thousand levels).
 */
export const maxContentDepth = 64

/** What is wrong with a value, and where (a path of keys and indexes from the top). */
interface Problem {
  what: string
  path: (string | number)[]
}

/**
 * A JSON object as message content: no functions, no undefined, no array holes, no cycles, no
 * NaN or Infinity, no NUL or lone surrogate in a string or key, at most `maxContentDepth`
 * levels. The value is kept as given, not copied: zod's record copies keys by assignment,
 * which drops an own `"__proto__"` key (as `JSON.parse` makes it); content must round-trip.
 */
export const jsonObject = z
  .custom<Record<string, Json>>()
  .check((ctx) => {
    const value = ctx.value
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlain(value)) {
      ctx.issues.push({ code: 'invalid_type', expected: 'object', input: value })
      return
    }
    const problem = findNonJson(value, 1, new Set())
    if (problem) {
      const at = showPath(problem.path)
      ctx.issues.push({
        code: 'custom',
        message: `JSON (${problem.what} at ${at || 'the top'} is not)`,
        input: value,
      })
    }
  })
  // What the JSON Schema (and the REST API's OpenAPI document) says of it.
  .meta({
    type: 'object',
    additionalProperties: true,
    description: 'A JSON object (no NUL, no lone surrogates, at most 64 levels deep)',
  }) as unknown as z.ZodType<Content, ContentInput>

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The first problem of `value` (at `depth`), or undefined; `seen` holds its containers. */
function findNonJson(value: unknown, depth: number, seen: Set<object>): Problem | undefined {
  switch (typeof value) {
    case 'string':
      return checkText(value, '')
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : { what: String(value), path: [] }
    case 'object': {
      if (value === null) return undefined
      if (seen.has(value)) return { what: 'a cycle', path: [] }
      if (depth > maxContentDepth) {
        return { what: `more than ${maxContentDepth} levels of nesting`, path: [] }
      }
      if (!Array.isArray(value) && !isPlain(value)) {
        const proto = Object.getPrototypeOf(value)
        return { what: `a ${proto?.constructor?.name ?? 'class'} instance`, path: [] }
      }
      seen.add(value)
      const found = Array.isArray(value)
        ? findInArray(value, depth, seen)
        : findInObject(value as Record<string, unknown>, depth, seen)
      seen.delete(value)
      return found
    }
    default:
      return {
        what: typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`,
        path: [],
      }
  }
}

function findInArray(value: unknown[], depth: number, seen: Set<object>): Problem | undefined {
  // By index, not entries: a hole would be written as null and not come back as it was.
  for (let i = 0; i < value.length; i++) {
    const found = findNonJson(value[i], depth + 1, seen)
    if (found) {
      found.path.unshift(i)
      return found
    }
  }
  return undefined
}

function findInObject(
  value: Record<string, unknown>,
  depth: number,
  seen: Set<object>,
): Problem | undefined {
  for (const key of Object.keys(value)) {
    const bad = checkText(key, ' in a key')
    if (bad) {
      bad.path.push(key)
      return bad
    }
    // An own "__proto__" key reads as itself: own properties come before the prototype's.
    const found = findNonJson(value[key], depth + 1, seen)
    if (found) {
      found.path.unshift(key)
      return found
    }
  }
  return undefined
}

/** NUL and lone surrogates: PostgreSQL refuses both, so one store would keep what the other fails on. */
function checkText(text: string, where: string): Problem | undefined {
  if (text.includes('\u0000')) return { what: `a NUL (\\u0000) character${where}`, path: [] }
  if (!isWellFormed(text)) return { what: `a lone UTF-16 surrogate${where}`, path: [] }
  return undefined
}

function showPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${escapeUnsafe(key)}` : escapeUnsafe(key)
  }
  return out
}
