import { PigeonholeError } from '../../errors.js'
import type { SendPolicy } from '../policy.js'

/**
 * Every recipient is a registered account, or the whole send is refused. (The sender is
 * checked by resolve, before the idempotency answer: a removed sender's keys answer no one.)
 * Reads nothing: resolve loaded the accounts. A broadcast reaches only accounts.
 */
export const accountsExist: SendPolicy = {
  name: 'accounts-exist',
  judge(batch, verdicts) {
    for (const item of batch.items) {
      if (item.to.every((a) => batch.accounts.has(a))) continue
      const missing = item.to.filter((a) => !batch.accounts.has(a))
      verdicts.refuse(
        item,
        new PigeonholeError(
          'recipient_not_found',
          `to: ${missing.map((a) => `"${a}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not registered${missing.some((a) => a.includes('@')) ? ' (remote addresses need a transport)' : ''}; nothing was sent`,
          { field: 'to', missing },
        ),
      )
    }
  },
}
