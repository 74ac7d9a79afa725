import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import { PigeonholeError } from '../errors.js'
import { unwrapKey, wrapKey } from './crypto/index.js'
import type { FilesConfig } from './files.js'
import { generatedKeyName, keyId, previousKeyName } from './master-key.js'
import type { RotateResult } from './types.js'

/** File keys re-wrapped per transaction. */
const rotateBatch = 500

/**
 * Makes `newKey` the master key: new uploads use it at once, then every file key wrapped by
 * another key is re-wrapped (unwrapped with the key it names, wrapped with the new one) in
 * short transactions until none is left. Chunks and headers are not touched. A generated key
 * is replaced in the store first, the old one kept as `previous` until the end, so a crash
 * half-way loses nothing: call it again with the same key to finish.
 */
export async function rotateMasterKey(
  ctx: EngineContext,
  config: FilesConfig,
  newKey: Uint8Array,
): Promise<RotateResult> {
  const where = 'files.rotateMasterKey'
  const keys = config.keys
  const newId = keyId(newKey)
  const old = keys.current.key
  if (keys.generated && keys.current.id !== newId) {
    await ctx.write(async (tx) => {
      const value = (key: Uint8Array) => Buffer.from(key).toString('base64')
      for (const [name, key] of [
        [previousKeyName, old],
        [generatedKeyName, newKey],
      ] as const) {
        await tx.db
          .insertInto('settings')
          .values({ name, value: value(key), updated_at: tx.now })
          .onConflict((oc) =>
            oc.column('name').doUpdateSet({ value: value(key), updated_at: tx.now }),
          )
          .execute()
      }
    }, where)
  }
  keys.use(newKey)
  let rewrapped = 0
  let after = ''
  for (;;) {
    const count = await ctx.write(async (tx) => {
      const query = tx.db
        .selectFrom('files')
        .select(['id', 'wrapped_key', 'key_id'])
        .where('id', '>', after)
        .where('key_id', 'is not', null)
        .where('key_id', '<>', newId)
        .orderBy('id')
        .limit(rotateBatch)
      const rows = await lockRows(query, ctx, 'update').execute()
      for (const row of rows) {
        const master = keys.byId(row.key_id!)
        if (!master) {
          throw new PigeonholeError(
            'integrity_error',
            `${where}: the key of file "${row.id}" was wrapped by a master key this engine does not have (${row.key_id})`,
            { id: row.id, keyId: row.key_id },
          )
        }
        const fileKey = unwrapKey(master, row.id, row.wrapped_key!)
        const wrapped = wrapKey(newKey, row.id, fileKey)
        fileKey.fill(0)
        await tx.db
          .updateTable('files')
          .set({ wrapped_key: Buffer.from(wrapped), key_id: newId })
          .where('id', '=', row.id)
          .execute()
      }
      if (rows.length > 0) after = rows[rows.length - 1]!.id
      return rows.length
    }, where)
    rewrapped += count
    if (count < rotateBatch) break
  }
  if (keys.generated) {
    await ctx.write(async (tx) => {
      await tx.db.deleteFrom('settings').where('name', '=', previousKeyName).execute()
    }, where)
  }
  return { rewrapped }
}
