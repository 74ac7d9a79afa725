import { readConsents } from '../../consent/queries.js'
import { defaultState, judgeConsent, requestsBox, systemSender } from '../../consent/rules.js'
import { PigeonholeError } from '../../errors.js'
import type { SkippedRecipient } from '../../types.js'
import type { EngineBatch } from '../content-hooks.js'
import type { EngineVerdicts } from '../judge.js'
import type { SendItem, SendPolicy } from '../policy.js'

/**
 * Consent, for every local recipient of every item, from one read of the recipients' modes
 * and their states about the batch's senders (a system message's sender is `system`). A
 * message to oneself is always allowed; a Response the Request protocol sends is too (its
 * recipient asked for it). An unknown sender of an account in mode `requests` is routed to
 * its `requests` box. Refused recipients refuse the item with one `consent_required` listing
 * them all, or with `onConsentMissing: 'skip'` are left out and reported in the result.
 * Broadcasts: a condition leaves out the accounts that revoked `system`.
 */
export const consentStep: SendPolicy = {
  name: 'consent',
  judge(batch, verdicts) {
    const engine = batch as EngineBatch
    const owners = new Set<string>()
    const senders = new Set<string>()
    for (const item of batch.items) {
      if (exempt(engine, item)) continue
      let asked = false
      for (const to of item.to) {
        // A remote recipient's consent is its own engine's to check.
        if (to === item.from || to.includes('@')) continue
        owners.add(to)
        asked = true
      }
      if (asked) senders.add(item.from ?? systemSender)
    }
    if (owners.size === 0) return
    return judgeItems(engine, verdicts as EngineVerdicts, [...owners], [...senders])
  },
  broadcastCondition: (eb) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('consents')
          .select('consents.owner')
          .whereRef('consents.owner', '=', 'accounts.address')
          .where('consents.sender', '=', systemSender)
          .where('consents.state', '=', 'denied'),
      ),
    ),
}

/**
 * Items consent does not judge: a broadcast (see the condition) and the protocol's Responses
 * (sent by accept/reject here, or received from a peer: request-content takes one only from
 * the request's peer, for a request its recipient sent).
 */
function exempt(batch: EngineBatch, item: SendItem): boolean {
  if (item.broadcast) return true
  const prepared = batch.prepared[item.index]
  return (
    prepared?.origin === 'requests' ||
    (prepared?.received !== undefined && item.content['@type'] === 'Response')
  )
}

async function judgeItems(
  batch: EngineBatch,
  verdicts: EngineVerdicts,
  owners: string[],
  senders: string[],
): Promise<void> {
  // Read with the accounts (resolve) when it covered these senders: no statement here.
  const read = batch.consents
  const consents =
    read && senders.every((s) => read.senders.has(s))
      ? read.consents
      : await readConsents(batch.ctx, batch.tx, owners, senders)
  for (const item of batch.items) {
    if (exempt(batch, item)) continue
    const sender = item.from ?? systemSender
    let refused: SkippedRecipient[] | undefined
    let routed: string[] | undefined
    for (const to of item.to) {
      if (to === item.from) continue
      // Not registered: accounts-exist refused the item already.
      const found = consents.get(to)
      if (!found) continue
      const verdict = judgeConsent(found.mode, found.states.get(sender) ?? defaultState(sender))
      if (!verdict.allowed) {
        refused ??= []
        refused.push({ recipient: to, reason: verdict.reason! })
      } else if (verdict.box === requestsBox) {
        routed ??= []
        routed.push(to)
      }
    }
    if (refused) {
      const error = consentRequired(sender, refused)
      if (batch.prepared[item.index]?.onConsentMissing === 'skip') {
        verdicts.leaveOut(item, refused, error)
      } else {
        verdicts.refuse(item, error)
        continue
      }
    }
    if (routed) for (const to of routed) verdicts.route(item, to, requestsBox)
  }
}

function consentRequired(sender: string, refused: SkippedRecipient[]): PigeonholeError {
  const list = refused.map((r) => `"${r.recipient}" (${r.reason})`).join(', ')
  return new PigeonholeError(
    'consent_required',
    `to: no consent to messages from "${sender}": ${list}; nothing was sent`,
    { field: 'to', sender, refused: refused.map((r) => ({ ...r })) },
  )
}
