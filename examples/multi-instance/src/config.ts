/** Where the example runs: DATABASE_URL, and a schema of its own for this run. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const schema = process.env.EXAMPLE_SCHEMA ?? `pigeonhole_example_${process.pid}`
export const messages = 5

/** Messages between the processes of the example. */
export type Note = { type: 'ready' } | { type: 'received'; count: number }
