/** JSON columns come back as text (SQLite) or already parsed (PostgreSQL jsonb). */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}
