import type { Expression, ExpressionBuilder, SqlBool } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { Judgement } from './judge.js'
import type { SendItem } from './policy.js'
import type { PreparedSend } from './prepare.js'
import { TxPolicyReader } from './reader.js'

/** A condition over a recipient's `accounts` row, added to the broadcast's INSERT ... SELECT. */
export type AccountCondition = (eb: ExpressionBuilder<Database, 'accounts'>) => Expression<SqlBool>

/**
 * The policy steps of a broadcast, which stays one set-based INSERT ... SELECT: a step with a
 * `broadcastCondition` narrows the accounts it reaches; every other step is asked once about
 * the broadcast as a whole and may refuse it (thrown, so nothing is written).
 */
export async function judgeBroadcast(
  ctx: EngineContext,
  tx: WriteTx,
  prepared: PreparedSend,
  where: string,
): Promise<AccountCondition[]> {
  const conditions: AccountCondition[] = []
  const asked = ctx.policies.filter((step) => {
    const condition = step.broadcastCondition?.bind(step)
    if (condition) conditions.push(condition)
    return !condition
  })
  const item: SendItem = {
    index: 0,
    from: null,
    to: [],
    named: undefined,
    content: prepared.content,
    attachments: [],
    threadId: null,
    thread: undefined,
    broadcast: true,
  }
  const judgement = new Judgement([item], {
    accounts: new Set(),
    now: tx.now,
    reader: new TxPolicyReader(tx, ctx.templates, ctx.maxParameters),
  })
  await judgement.run(asked)
  const error = judgement.errors[0]
  if (error)
    throw new PigeonholeError(error.code, `${where}: ${error.message}`, { ...error.details })
  return conditions
}
