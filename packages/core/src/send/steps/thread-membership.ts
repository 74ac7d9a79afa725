import { PigeonholeError } from '../../errors.js'
import type { SendPolicy } from '../policy.js'

/**
 * A thread's messages stay among its participants: the thread must exist and be open, and the
 * sender and every named recipient must be participants. Reads nothing: resolve loaded the
 * threads.
 */
export const threadMembership: SendPolicy = {
  name: 'thread-membership',
  judge(batch, verdicts) {
    for (const item of batch.items) {
      if (item.threadId === null) continue
      const thread = item.thread
      if (!thread) {
        verdicts.refuse(
          item,
          new PigeonholeError('not_found', `threadId: no thread "${item.threadId}"`, {
            field: 'threadId',
            threadId: item.threadId,
          }),
        )
      } else if (thread.closed) {
        verdicts.refuse(
          item,
          new PigeonholeError('thread_closed', `threadId: thread "${item.threadId}" is closed`, {
            field: 'threadId',
            threadId: item.threadId,
          }),
        )
      } else if (item.from !== null && !thread.participants.includes(item.from)) {
        verdicts.refuse(
          item,
          new PigeonholeError(
            'forbidden',
            `from: "${item.from}" is not a participant of thread "${item.threadId}"`,
            { field: 'from', threadId: item.threadId, address: item.from },
          ),
        )
      } else {
        const outsiders = item.named?.filter((a) => !thread.participants.includes(a)) ?? []
        if (outsiders.length > 0) {
          verdicts.refuse(
            item,
            new PigeonholeError(
              'forbidden',
              `to: ${outsiders.map((a) => `"${a}"`).join(', ')} ${outsiders.length === 1 ? 'is not a participant' : 'are not participants'} of thread "${item.threadId}"`,
              { field: 'to', threadId: item.threadId, addresses: outsiders },
            ),
          )
        }
      }
    }
  },
}
