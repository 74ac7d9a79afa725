import { pendingCounts } from '../../delivery/outbox.js'
import { PigeonholeError } from '../../errors.js'
import type { EngineBatch } from '../content-hooks.js'
import type { EngineVerdicts } from '../judge.js'
import type { SendItem, SendPolicy } from '../policy.js'

/**
 * Remote recipients (`bob@other`) go through the outbox, not the local write: with a
 * transport, this step routes them out of the write (no box entry here; an outbox row per
 * remote peer and a `pending` receipt each, written with the message), after checking the
 * per-recipient cap (`delivery.maxPendingPerRecipient`, else `queue_full`). Checks only the
 * receiver can make (the account exists, consent) are the receiver's: `accounts-exist` and
 * `consent` skip remote recipients. Without a transport this step does nothing and
 * `accounts-exist` refuses them (`recipient_not_found`). A message received from a peer is
 * never routed again: its other remote recipients are the sender's business.
 */
export const remoteRouting: SendPolicy = {
  name: 'remote-routing',
  judge(batch, verdicts) {
    const engine = batch as EngineBatch
    // A broadcast's batch has no engine context: it goes to local accounts only.
    if (!engine.ctx?.delivery) return
    let routed: { item: SendItem; remote: string[] }[] | undefined
    for (const item of batch.items) {
      if (item.broadcast || engine.prepared[item.index]?.received) continue
      const remote = item.to.filter((to) => to.includes('@'))
      if (remote.length === 0) continue
      if (item.from === null) {
        verdicts.refuse(
          item,
          new PigeonholeError(
            'invalid_input',
            `to: a system message goes to local accounts only, got ${remote.map((a) => `"${a}"`).join(', ')}`,
            { field: 'to', remote },
          ),
        )
        continue
      }
      routed ??= []
      routed.push({ item, remote })
    }
    if (routed) return checkCap(engine, verdicts as EngineVerdicts, routed)
  },
}

async function checkCap(
  batch: EngineBatch,
  verdicts: EngineVerdicts,
  routed: { item: SendItem; remote: string[] }[],
): Promise<void> {
  const max = batch.ctx.delivery!.options.maxPendingPerRecipient
  const all = [...new Set(routed.flatMap((r) => r.remote))]
  const counts = await pendingCounts(batch.ctx, batch.tx, all)
  for (const { item, remote } of routed) {
    const full = remote.filter((a) => (counts.get(a) ?? 0) >= max)
    if (full.length > 0) {
      verdicts.refuse(
        item,
        new PigeonholeError(
          'queue_full',
          `to: ${full.map((a) => `"${a}"`).join(', ')} already ${full.length === 1 ? 'has' : 'have'} ${max} messages waiting for delivery (delivery.maxPendingPerRecipient); nothing was sent`,
          { field: 'to', recipients: full, max },
        ),
      )
      continue
    }
    // Counted for the batch's later items too.
    for (const a of remote) counts.set(a, (counts.get(a) ?? 0) + 1)
    verdicts.remote(item, remote)
  }
}
