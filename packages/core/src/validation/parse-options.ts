import { distance } from 'fastest-levenshtein'
import { z } from 'zod'
import { PigeonholeError } from '../errors.js'
import { maxInt32 } from './common.js'
import { describeIssue } from './parse.js'

/**
 * Parses the options of `where` (`openPigeonhole`, `sqliteStore`, ...) with `schema`, or throws
 * `invalid_input` naming the option, what was expected and what was got. Unknown keys are
 * refused (strict objects), naming the closest known one: a misspelled option would otherwise
 * be ignored without a word.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true })
  if (result.success) return result.data
  const issues = result.error.issues
  // An unknown key first: a misspelled option usually also leaves a required one missing.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!
  if (issue.code === 'unrecognized_keys') throw unknownOption(schema, issue, where)
  const { field, expected, got, message } = describeIssue(issue, value, 'options')
  throw new PigeonholeError('invalid_input', `${where}: ${message}`, { field, expected, got })
}

function unknownOption(
  schema: z.ZodType,
  issue: z.core.$ZodIssueUnrecognizedKeys,
  where: string,
): PigeonholeError {
  const key = issue.keys[0]!
  const field = [...issue.path, key].join('.')
  const known = knownKeys(schema, issue.path)
  const best = closest(key, known)
  const hint = best ? `, did you mean "${best}"?` : ` (known: ${known.join(', ')})`
  return new PigeonholeError('invalid_input', `${where}: ${field}: unknown option${hint}`, {
    field,
    expected: `one of ${known.join(', ')}`,
    got: `unknown option "${key}"`,
    ...(best && { didYouMean: best }),
  })
}

/**
 * The known option closest to `key` (Levenshtein distance, case ignored), if it is a likely
 * misspelling: at most 2 edits (a third of the key for long keys), or one is a prefix of the
 * other (`minimum` for `min`).
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  const wanted = key.toLowerCase()
  const near = Math.max(2, Math.floor(key.length / 3))
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const name of known) {
    const lower = name.toLowerCase()
    const d = distance(wanted, lower)
    const likely = d <= near || wanted.startsWith(lower) || lower.startsWith(wanted)
    if (likely && d < bestDistance) {
      best = name
      bestDistance = d
    }
  }
  return best
}

/** The keys of the object schema found at `path` inside `schema` (through optional, etc.). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at: z.ZodType | undefined = unwrap(schema)
  for (const key of path) {
    // A record's values are all of one schema (`limits.kinds.<kind>`).
    at =
      at instanceof z.ZodObject
        ? unwrap(at.shape[String(key)])
        : at instanceof z.ZodRecord
          ? unwrap(at.valueType as z.ZodType)
          : undefined
  }
  return at instanceof z.ZodObject ? Object.keys(at.shape) : []
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let at = schema
  for (;;) {
    if (at instanceof z.ZodOptional || at instanceof z.ZodNullable || at instanceof z.ZodDefault) {
      at = at.unwrap() as z.ZodType
    } else if (at instanceof z.ZodPipe) {
      at = at.in as z.ZodType
    } else {
      return at
    }
  }
}

/**
 * A whole-number option from `min` to `max` (default 2^31 - 1: the longest delay Node's timers
 * take, a longer one fires after 1 ms; and PostgreSQL's `integer`). Said as "a whole number ≥ 0"
 * (min 0), "a positive integer" (min 1) or "an integer ≥ min"; above `max`, "... ≤ max".
 */
export function integerOption(min: number, max = maxInt32) {
  const [below, above] =
    min === 0
      ? ['a whole number ≥ 0', `a whole number ≤ ${max}`]
      : min === 1
        ? ['a positive integer', `a positive integer ≤ ${max}`]
        : [`an integer ≥ ${min}`, `an integer from ${min} to ${max}`]
  return z.custom<number>().check((ctx) => {
    const v = ctx.value
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      ctx.issues.push({ code: 'custom', message: below, input: v })
    } else if (v > max) {
      ctx.issues.push({ code: 'custom', message: above, input: v })
    }
  })
}

/**
 * A finite number option from `min` to `max`, fractions allowed (a rate): said as "a number
 * from min to max".
 */
export function numberOption(min: number, max: number) {
  const expected = `a number from ${min} to ${max}`
  return z.custom<number>().check((ctx) => {
    const v = ctx.value
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      ctx.issues.push({ code: 'custom', message: expected, input: v })
    }
  })
}

/** An object with the named methods (a store, a clock, an id source, a pool). */
export function withMethods<T>(expected: string, ...methods: string[]) {
  return z.custom<T>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { error: expected },
  )
}

/** A callback option. */
// biome-ignore lint/suspicious/noExplicitAny: any function the caller gives
export function functionOption<T extends (...args: any[]) => unknown>() {
  return z.custom<T>((v) => typeof v === 'function', { error: 'a function' })
}
