// Several app instances (processes) sending on one PostgreSQL database: sends per second
// with 1, 2 and 4 writers, with and without listeners, and with NOTIFY inside the writing
// transaction (the trap the store avoids) for comparison. Every listening instance must
// see every event. Run: npm run bench:postgres -w @pigeonhole/bench
//   [-- --sends 5000 --lanes 8 --writers 1,2,4]   DATABASE_URL=postgres://user@host:port/db
// The processes are those of the pg-instances case (src/lib/pg-instance-child.ts).
import type { InstanceMode } from '../src/lib/pg-instance-child.js'
import { checkNothingLost, prepareSchema, runInstances } from '../src/lib/pg-instances.js'
import { schemas, shownUrl } from '../src/lib/postgres.js'

const accounts = Array.from({ length: 20 }, (_, i) => `user${i}`)

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1]! : fallback
}

const sends = Number(arg('sends', '5000'))
const lanes = Number(arg('lanes', '8'))
const writerCounts = arg('writers', '1,2,4').split(',').map(Number)
const names = schemas('multi')
const rows = []
try {
  for (const writers of writerCounts) {
    for (const mode of ['listen', 'quiet', 'notify-in-tx'] as InstanceMode[]) {
      if (mode === 'notify-in-tx' && writers !== Math.max(...writerCounts)) continue
      const schema = names.next()
      await prepareSchema(schema, accounts)
      const run = await runInstances(
        { schema, lanes, side: 'engine', mode, sends, accounts },
        writers,
      )
      checkNothingLost(run)
      const row = {
        writers,
        mode,
        sends: run.sends,
        seconds: Number(run.seconds.toFixed(2)),
        sendsPerSecond: Math.round(run.sendsPerSecond),
        everyEventSeen: mode === 'quiet' ? 'n/a' : 'yes',
      }
      console.log(JSON.stringify(row))
      rows.push(row)
    }
  }
} finally {
  await names.drop()
}
console.log(
  `\n${sends} sends per process, ${lanes} concurrent callers each; PostgreSQL at ${shownUrl()}`,
)
console.table(rows)
