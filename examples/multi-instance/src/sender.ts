// The first app instance: alice sends bob a few messages, one every 300 ms.
import { openPigeonhole } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import { databaseUrl, messages } from './config.js'

const schema = process.env.EXAMPLE_SCHEMA!
const ph = await openPigeonhole({ store: postgresStore({ connectionString: databaseUrl, schema }) })
for (let i = 1; i <= messages; i++) {
  const m = await ph.messages.send({ from: 'alice', to: ['bob'], content: { text: `Hello #${i}` } })
  console.log(`[sender   pid ${process.pid}] alice sent "Hello #${i}" (${m.id})`)
  await new Promise((resolve) => setTimeout(resolve, 300))
}
await ph.close()
