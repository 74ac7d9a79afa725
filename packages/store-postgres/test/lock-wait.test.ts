import { openPigeonhole } from '@pigeonhole/core'
import { expect, it } from 'vitest'
import { waitForLockWait } from './helpers.js'
import { describePostgres, rawClient, useSchemas } from './postgres-env.js'

describePostgres('test helper waitForLockWait', () => {
  const schemas = useSchemas('ph_lockwait')

  // Test files run side by side: a staged conflict must wait for its own session, not for
  // another file's session blocked on the same statement (a deadlock test once went on too
  // early and saw no deadlock).
  it("counts only sessions of its own schema, not another schema's session on the same statement", async () => {
    const busy = schemas.next()
    const quiet = schemas.next()
    const ph = await openPigeonhole({ store: schemas.store(busy) })
    const other = await rawClient(busy)
    try {
      for (const address of ['alice', 'bob']) await ph.accounts.register({ address })
      await ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      await other.query('begin')
      await other.query(`update box_counts set total = total where owner = 'bob' and box = 'inbox'`)
      const send = ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      await waitForLockWait('insert into "box_counts"%', busy)
      // Nobody waits in `quiet`: the helper finds no one there and times out.
      await expect(waitForLockWait('insert into "box_counts"%', quiet, 300)).rejects.toThrow(
        /timed out waiting for a session in schema/,
      )
      await other.query('commit')
      await send
    } finally {
      await other.end()
      await ph.close()
    }
  })
})
