// Two app instances on one PostgreSQL database: one sends, the other prints what it
// receives, live. Run: npm start (DATABASE_URL=postgres://user@host:port/db to choose).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openPigeonhole } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import pg from 'pg'
import { databaseUrl, messages, type Note, schema } from './config.js'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const start = (file: string) =>
  fork(here(file), [], {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    env: { ...process.env, EXAMPLE_SCHEMA: schema },
  })

let setup: Awaited<ReturnType<typeof openPigeonhole>>
try {
  // Creates the schema and tables, and the two accounts.
  setup = await openPigeonhole({ store: postgresStore({ connectionString: databaseUrl, schema }) })
} catch (error) {
  console.error(`Cannot open PostgreSQL at ${databaseUrl}: ${(error as Error).message}`)
  console.error('Start PostgreSQL, or set DATABASE_URL=postgres://user@host:port/db')
  process.exit(1)
}
await setup.accounts.register({ address: 'alice' })
await setup.accounts.register({ address: 'bob' })
await setup.close()

const receiver = start('./receiver.ts')
const all = new Promise<void>((resolve, reject) => {
  receiver.on('message', (note: Note) => {
    if (note.type === 'received' && note.count === messages) resolve()
  })
  receiver.on('exit', () => reject(new Error('the receiver stopped')))
})
await new Promise<void>((resolve) =>
  receiver.on('message', (n: Note) => n.type === 'ready' && resolve()),
)
console.log('[main] receiver listening; starting the sender')

const sender = start('./sender.ts')
await new Promise((resolve) => sender.on('exit', resolve))
await Promise.race([
  all,
  new Promise((_, no) => setTimeout(() => no(new Error('timed out')), 10_000)),
])
receiver.send('stop')
await new Promise((resolve) => receiver.on('exit', resolve))

const client = new pg.Client({ connectionString: databaseUrl })
await client.connect()
await client.query(`drop schema if exists "${schema}" cascade`)
await client.end()
console.log(`[main] done: ${messages} messages sent by one process, received live by the other`)
