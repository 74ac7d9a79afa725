import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openPigeonhole } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import type { InstanceJob, InstanceReport } from './pg-instance-child.js'
import { databaseUrl, rawClient } from './postgres.js'

const childFile = fileURLToPath(new URL('./pg-instance-child.ts', import.meta.url))

/** What several instances did on one schema, and what the database holds after. */
export interface InstancesRun {
  instances: number
  sends: number
  seconds: number
  sendsPerSecond: number
  /** Messages and events stored by the run (every send writes one message and two events). */
  stored: { messages: number; events: number; unnumbered: number }
  /** Per listening instance: events emitted on events$, and whether their cursors only grew. */
  seen: { events: number; inOrder: boolean }[]
}

/** Registers `accounts` on a fresh `schema` (migrated by the engine). */
export async function prepareSchema(schema: string, accounts: readonly string[]): Promise<void> {
  const setup = await openPigeonhole({
    store: postgresStore({ connectionString: databaseUrl, schema, listen: false }),
  })
  for (const address of accounts) await setup.accounts.register({ address })
  await setup.close()
}

/**
 * Starts `instances` processes on `job.schema` (prepared), lets them send at once, waits until
 * every listening one has emitted every event up to the newest cursor, and reads back what
 * was stored.
 */
export async function runInstances(job: InstanceJob, instances: number): Promise<InstancesRun> {
  const client = await rawClient(job.schema)
  try {
    const before = await storedCounts(client)
    const children = Array.from({ length: instances }, () =>
      fork(childFile, ['--instance', JSON.stringify(job)], {
        execArgv: ['--import', 'tsx', '--conditions=source'],
      }),
    )
    const failed = new Promise<never>((_, reject) => {
      for (const c of children) {
        c.once('exit', (code) => {
          if (code !== 0) reject(new Error(`an instance exited with code ${code}`))
        })
      }
    })
    const next = () =>
      Promise.race([
        failed,
        Promise.all(
          children.map((c) => new Promise<InstanceReport>((resolve) => c.once('message', resolve))),
        ),
      ])
    await next()
    const started = performance.now()
    const sent = next()
    for (const c of children) c.send('go')
    const reports = await sent
    const seconds = (performance.now() - started) / 1000
    const { rows } = await client.query('select coalesce(max(cursor), 0) as c from events')
    const seen = next()
    for (const c of children) c.send(Number(rows[0].c))
    const seenReports = await seen
    await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))))
    const after = await storedCounts(client)
    const sends = reports.reduce((sum, r) => sum + (r.type === 'sent' ? r.sends : 0), 0)
    return {
      instances,
      sends,
      seconds,
      sendsPerSecond: sends / seconds,
      stored: {
        messages: after.messages - before.messages,
        events: after.events - before.events,
        unnumbered: after.unnumbered,
      },
      seen:
        job.side === 'engine' && job.mode !== 'quiet'
          ? seenReports.map((r) => (r.type === 'seen' ? r : { events: -1, inOrder: false }))
          : [],
    }
  } finally {
    await client.end()
  }
}

async function storedCounts(client: Awaited<ReturnType<typeof rawClient>>) {
  const { rows } = await client.query(
    `select (select count(*)::int from messages) as messages,
       (select count(*)::int from events) as events,
       (select count(*)::int from events where cursor is null) as unnumbered`,
  )
  return rows[0] as { messages: number; events: number; unnumbered: number }
}

/**
 * Throws unless every send stored one message and two events, all numbered, and every
 * listening instance emitted each of those events once, in cursor order.
 */
export function checkNothingLost(run: InstancesRun): void {
  const { sends, stored, seen } = run
  const problems: string[] = []
  if (stored.messages !== sends) problems.push(`${sends} sends stored ${stored.messages} messages`)
  if (stored.events !== 2 * sends) problems.push(`${sends} sends stored ${stored.events} events`)
  if (stored.unnumbered !== 0) problems.push(`${stored.unnumbered} events left unnumbered`)
  seen.forEach((s, i) => {
    if (s.events !== stored.events) {
      problems.push(`instance ${i + 1} emitted ${s.events} of ${stored.events} events`)
    }
    if (!s.inOrder) problems.push(`instance ${i + 1} emitted a cursor out of order or twice`)
  })
  if (problems.length > 0) {
    throw new Error(`${run.instances} instances: ${problems.join('; ')}`)
  }
}
