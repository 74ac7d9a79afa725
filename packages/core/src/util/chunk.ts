/** Splits `items` into arrays of at most `size` (at least 1). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const n = Math.max(1, size)
  const out: T[][] = []
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n))
  return out
}
