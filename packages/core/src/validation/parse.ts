import type { z } from 'zod'
import { PigeonholeError } from '../errors.js'

/** Parses `input` with `schema`, or throws `invalid_input` naming the field, expected, got. */
/** `root` names the value itself when it is not an object of fields (`owner`, `address`). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
  root = 'input',
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true })
  if (result.success) return result.data
  throw invalidInput(result.error.issues, input, where, root)
}

/**
 * The `invalid_input` error for zod issues found in `input` by `where` (the message and
 * details `parseInput` throws): for callers that ran a schema themselves (the REST API).
 */
export function invalidInput(
  zodIssues: readonly z.core.$ZodIssue[],
  input: unknown,
  where: string,
  root = 'input',
): PigeonholeError {
  const issues = zodIssues.map((issue) => describeIssue(issue, input, root))
  const first = issues[0] ?? { field: root, expected: 'valid input', got: '?', message: 'invalid' }
  return new PigeonholeError('invalid_input', `${where}: ${first.message}`, {
    field: first.field,
    expected: first.expected,
    got: first.got,
    issues,
  })
}

/**
 * The first issue of the union branch the value came closest to: the one with the fewest
 * issues (a wrong shape fails many fields, a near miss one), then the deepest path.
 */
function closestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue[] | undefined
  for (const branch of branches) {
    if (branch.length === 0) continue
    if (
      !best ||
      branch.length < best.length ||
      (branch.length === best.length && branch[0]!.path.length > best[0]!.path.length)
    ) {
      best = branch
    }
  }
  return best?.[0]
}

export interface InputIssue {
  field: string
  expected: string
  got: string
  message: string
}

export function describeIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  rootName = 'input',
): InputIssue {
  if (issue.code === 'invalid_union') {
    // "expected Invalid input" says nothing: describe the shape the value came closest to.
    const closest = closestBranch(issue.errors)
    if (closest)
      return describeIssue({ ...closest, path: [...issue.path, ...closest.path] }, root, rootName)
  }
  let field = formatPath(issue.path) || rootName
  const input = 'input' in issue ? issue.input : valueAt(root, issue.path)
  let expected: string
  let got = describeValue(input)
  switch (issue.code) {
    case 'invalid_type':
      expected =
        issue.expected === 'never'
          ? 'no such field'
          : articled(issue.expected === 'record' ? 'object' : issue.expected)
      got = input === undefined ? 'nothing' : got
      break
    case 'too_small':
      expected = bound('at least', issue.origin, issue.minimum, issue.inclusive)
      got = sizeOf(input, got)
      break
    case 'too_big':
      expected = bound('at most', issue.origin, issue.maximum, issue.inclusive)
      got = sizeOf(input, got)
      break
    case 'invalid_value':
      expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
      break
    case 'unrecognized_keys':
      // The field to name is the unknown one, not the object that holds it.
      field = formatPath([...issue.path, issue.keys[0]!])
      expected = 'only known fields'
      got = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      break
    default:
      // Our own refinements carry the expectation as their message.
      expected = issue.message
  }
  // A field left out reads better as "got nothing" than "got undefined", whatever the rule.
  if (input === undefined) got = 'nothing'
  const message = `${field}: expected ${expected}, got ${got}`
  return { field, expected, got, message }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

function articled(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

function bound(word: string, origin: string, limit: unknown, inclusive?: boolean): string {
  const n = Number(limit)
  switch (origin) {
    case 'array':
    case 'set':
      return `${word} ${n} item${n === 1 ? '' : 's'}`
    case 'string':
      return `${word} ${n} character${n === 1 ? '' : 's'}`
    default: {
      const op =
        word === 'at least' ? (inclusive === false ? '>' : '>=') : inclusive === false ? '<' : '<='
      return `a number ${op} ${n}`
    }
  }
}

function sizeOf(input: unknown, fallback: string): string {
  if (Array.isArray(input)) return `${input.length} item${input.length === 1 ? '' : 's'}`
  if (typeof input === 'string') return `${input.length} characters`
  return fallback
}

/** A short, safe description of any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `the bigint ${value}n`
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // A class instance would print as a plain object (or as `{}` for a Map): name it instead.
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      return `a ${proto?.constructor?.name || 'class'} instance`
    }
  }
  try {
    const text = JSON.stringify(value)
    if (text === undefined) return typeof value
    return text.length > 60 ? `${text.slice(0, 57)}...` : text
  } catch {
    return Array.isArray(value) ? 'an array that is not JSON' : 'an object that is not JSON'
  }
}
