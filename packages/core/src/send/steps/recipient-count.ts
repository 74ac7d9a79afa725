import { PigeonholeError } from '../../errors.js'
import type { SendPolicy } from '../policy.js'

/**
 * A send goes to at least one recipient (the schema caps named ones at 1000; a thread post
 * without `to` needs another participant). A broadcast names none: it goes to every account.
 */
export const recipientCount: SendPolicy = {
  name: 'recipient-count',
  judge(batch, verdicts) {
    for (const item of batch.items) {
      if (item.broadcast || item.to.length > 0) continue
      verdicts.refuse(
        item,
        new PigeonholeError(
          'invalid_input',
          'to: expected 1 to 1000 recipients (or a thread with other participants), got none',
          { field: 'to' },
        ),
      )
    }
  },
}
