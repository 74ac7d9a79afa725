import { copyFile } from 'node:fs/promises'
import { openPigeonhole, type SendPolicy } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type BenchCase, planFor } from '../lib/case.js'
import { assertSameRows, openEngine, openReference, prepareFiles } from '../lib/files.js'
import { measureAlternating } from '../lib/measure.js'
import { referenceSend } from './send.js'

/**
 * A host policy that reads one row through `batch.reader`: the sender's account (it refuses
 * nothing, so every send is stored as in `send`).
 */
const readsSender: SendPolicy = {
  name: 'reads-sender',
  async judge(batch) {
    const from = batch.items[0]?.from
    if (from) await batch.reader.accounts([from])
  },
}

/**
 * The `send` case with one host policy whose judge reads the sender's account. Reference: the
 * hand-written send plus the same read (`select * from accounts where address = ?`). The plain
 * engine (no host policy) is measured in the same alternation, for the policy's cost.
 */
export const sendPolicyCase: BenchCase = {
  name: 'send-policy',
  summary: 'send with one host policy that reads one account through batch.reader',
  async run(env) {
    const files = await prepareFiles(env.dir, 'send-policy', async (ph) => {
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
    })
    const plainFile = `${files.engine}.plain.db`
    await copyFile(files.reference, plainFile)
    const ph = await openPigeonhole({
      store: sqliteStore({ path: files.engine }),
      policies: [readsSender],
    })
    const plain = await openEngine(plainFile)
    const db = openReference(files.reference)
    const account = db.prepare('select * from accounts where address = ?')
    // The read runs in the send's transaction, as the engine's policy does.
    const send = referenceSend(db, (from) => account.get(from))
    let n = 0
    const content = () => ({ subject: 'Hi', text: `Hello Bob #${n++}` })
    try {
      const [withPolicy, reference, withoutPolicy] = await measureAlternating(
        [
          () => ph.messages.send({ from: 'alice', to: ['bob'], content: content() }),
          () => send('alice', 'bob', content()),
          () => plain.messages.send({ from: 'alice', to: ['bob'], content: content() }),
        ],
        planFor(
          env,
          { warmupOps: 200, samples: 3, opsPerSample: 300 },
          { warmupOps: 2000, samples: 15, opsPerSample: 1000 },
        ),
      )
      await ph.close()
      await plain.close()
      db.close()
      assertSameRows(files)
      assertSameRows({ engine: plainFile, reference: files.reference })
      const cost = (withPolicy!.medianNs - withoutPolicy!.medianNs) / 1000
      env.log(
        `policy cost: ${cost.toFixed(1)} µs over plain send (${(withoutPolicy!.medianNs / 1000).toFixed(1)} µs)`,
      )
      return [
        {
          case: 'send-policy',
          measure: 'send, one policy reading one account',
          engine: withPolicy!,
          reference: reference!,
        },
        {
          case: 'send-policy',
          measure: 'the same, against plain send (engine)',
          engine: withPolicy!,
          reference: withoutPolicy!,
        },
      ]
    } finally {
      await ph.close()
      await plain.close()
      if (db.open) db.close()
    }
  },
}
