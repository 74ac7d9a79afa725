// One peer's process: an engine on a SQLite file with its own httpTransport, driven by the
// parent (http.ts) over IPC. PEER is 'a' (the shop asks) or 'b' (bob answers).
import { join } from 'node:path'
import { openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { httpTransport } from '@pigeonhole/transport-http'
import type { FromParent, ToParent } from './http.js'
import { bobAnswers, shopAsks } from './roles.js'

const peer = process.env.PEER === 'a' ? 'a' : 'b'
const tell = (note: ToParent) => process.send!(note)
const log = (line: string) => tell({ type: 'log', line })

// Ports are known only once both peers listen: the parent tells each the other's URL.
const urls: Record<string, string> = {}
const transport = httpTransport({
  peerId: peer,
  listen: { host: '127.0.0.1', port: 0 },
  peers: (id) => urls[id],
  secret: process.env.PEER_SECRET!,
})
const ph = await openPigeonhole({
  store: sqliteStore({ path: join(process.env.DATA_DIR!, `${peer}.db`) }),
  transport,
})
await ph.accounts.register({ address: peer === 'a' ? 'shop' : 'bob' })

process.on('message', async (note: FromParent) => {
  try {
    if (note.type === 'peers') {
      Object.assign(urls, note.urls)
      // bob listens for requests before the parent lets the shop ask.
      const answered = peer === 'b' ? bobAnswers(ph, log) : undefined
      tell({ type: 'listening' })
      if (answered) tell({ type: 'bob', outcome: await answered })
    } else if (note.type === 'ask') {
      tell({ type: 'shop', outcome: await shopAsks(ph, log) })
    } else if (note.type === 'stop') {
      await ph.close()
      process.exit(0)
    }
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exit(1)
  }
})
tell({ type: 'ready', url: transport.url })
