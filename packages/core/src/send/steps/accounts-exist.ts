import { PigeonholeError } from '../../errors.js'
import type { EngineBatch } from '../content-hooks.js'
import type { EngineVerdicts } from '../judge.js'
import type { SendPolicy } from '../policy.js'

/**
 * Every recipient is a registered account, or the whole send is refused. (The sender is
 * checked by resolve, before the idempotency answer: a removed sender's keys answer no one.)
 * Reads nothing: resolve loaded the accounts. A broadcast reaches only accounts.
 */
export const accountsExist: SendPolicy = {
  name: 'accounts-exist',
  judge(batch, verdicts) {
    const engine = batch as EngineBatch
    // With a transport, remote recipients are the receiving engine's to check.
    const remoteOk = engine.ctx?.delivery !== undefined
    for (const item of batch.items) {
      if (item.to.every((a) => batch.accounts.has(a) || (remoteOk && a.includes('@')))) continue
      const missing = item.to.filter(
        (a) => !batch.accounts.has(a) && !(remoteOk && a.includes('@')),
      )
      const error = new PigeonholeError(
        'recipient_not_found',
        `to: ${missing.map((a) => `"${a}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not registered${missing.some((a) => a.includes('@')) ? ' (remote addresses need a transport)' : ''}${engine.prepared?.[item.index]?.received ? '' : '; nothing was sent'}`,
        { field: 'to', missing },
      )
      // A message from a peer: each local recipient stands alone (the others still get it).
      if (engine.prepared?.[item.index]?.received) {
        ;(verdicts as EngineVerdicts).leaveOut(
          item,
          missing.map((recipient) => ({ recipient, reason: 'recipient_not_found' })),
          error,
        )
        continue
      }
      verdicts.refuse(item, error)
    }
  },
}
