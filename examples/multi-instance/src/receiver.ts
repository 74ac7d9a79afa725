// The second app instance: prints, live, every message bob receives, whichever instance
// sent it. Events travel by LISTEN/NOTIFY; the rows are read from the shared database.
import { openPigeonhole } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import { databaseUrl, type Note } from './config.js'

const schema = process.env.EXAMPLE_SCHEMA!
const ph = await openPigeonhole({ store: postgresStore({ connectionString: databaseUrl, schema }) })
const tell = (note: Note) => process.send?.(note)
let count = 0
ph.events$.subscribe(async (event) => {
  if (event.type !== 'message.received' || event.owner !== 'bob') return
  const item = await ph.messages.getItem({ owner: 'bob', id: event.messageId! })
  const text = item?.message.content.text
  console.log(
    `[receiver pid ${process.pid}] bob got "${text}" from ${item?.message.from} (cursor ${event.cursor})`,
  )
  count += 1
  tell({ type: 'received', count })
})
process.on('message', async (m: string) => {
  if (m !== 'stop') return
  await ph.close()
  process.disconnect()
})
tell({ type: 'ready' })
