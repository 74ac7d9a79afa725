/**
 * A `Retry-After` header in ms from `now`: delay-seconds (`2`) or an HTTP date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`); a date in the past is 0. Undefined when absent or not
 * understood.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // An HTTP date names its weekday: a bare number was handled above, anything else is refused.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
