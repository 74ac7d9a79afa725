import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { PigeonholeError } from '../errors.js'
import { keyLength } from './crypto/index.js'

/** The settings rows of a generated master key (base64): the key, and the one before it. */
export const generatedKeyName = 'files.masterKey'
export const previousKeyName = 'files.previousMasterKey'

/**
 * A master key's id, stored with each wrapped file key: which key unwraps it. A one-way hash of
 * the key (256 random bits: the hash tells nothing of it), 16 hex digits.
 */
export function keyId(key: Uint8Array): string {
  return createHash('sha256')
    .update('pigeonhole master key id\u0000')
    .update(key)
    .digest('hex')
    .slice(0, 16)
}

/** A copy of `key` if it is 32 bytes, else `invalid_input` naming `field`. */
export function checkMasterKey(key: unknown, where: string, field: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== keyLength) {
    const got =
      key instanceof Uint8Array ? `${key.length} bytes` : key === undefined ? 'nothing' : typeof key
    throw new PigeonholeError(
      'invalid_input',
      `${where}: ${field}: expected 32 bytes (a Uint8Array), got ${got}`,
      { field, expected: '32 bytes', got },
    )
  }
  return Uint8Array.from(key)
}

/**
 * The master keys an engine knows, by id: the current one wraps new file keys; older ones
 * (during or after a rotation in this process) still unwrap what they wrapped.
 */
export class MasterKeys {
  readonly #keys = new Map<string, Uint8Array>()
  #current: { id: string; key: Uint8Array }
  /** True when the key was generated and is kept in the store (no `files.masterKey` option). */
  readonly generated: boolean

  constructor(current: Uint8Array, generated: boolean, older: readonly Uint8Array[] = []) {
    this.generated = generated
    for (const key of older) this.#keys.set(keyId(key), key)
    this.#current = { id: keyId(current), key: current }
    this.#keys.set(this.#current.id, current)
  }

  get current(): { readonly id: string; readonly key: Uint8Array } {
    return this.#current
  }

  byId(id: string): Uint8Array | undefined {
    return this.#keys.get(id)
  }

  /** Makes `key` the current one; the old one still unwraps. */
  use(key: Uint8Array): void {
    this.#current = { id: keyId(key), key }
    this.#keys.set(this.#current.id, key)
  }
}

async function readSetting(db: Kysely<Database>, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirst()
  return row?.value
}

/**
 * The engine's master keys at open: the given one, or the one generated on the first open and
 * kept in `settings` (made now if absent; two instances opening at once keep the first).
 * Then the check: if files exist and none was wrapped by a key we know, the key is wrong and
 * open fails with `integrity_error` (rather than every download later).
 */
export async function openMasterKeys(
  db: Kysely<Database>,
  given: Uint8Array | undefined,
  now: number,
): Promise<MasterKeys> {
  let keys: MasterKeys
  if (given) {
    keys = new MasterKeys(given, false)
  } else {
    let stored = await readSetting(db, generatedKeyName)
    if (stored === undefined) {
      await db
        .insertInto('settings')
        .values({
          name: generatedKeyName,
          value: randomBytes(keyLength).toString('base64'),
          updated_at: now,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      stored = (await readSetting(db, generatedKeyName))!
    }
    const previous = await readSetting(db, previousKeyName)
    keys = new MasterKeys(decode(stored), true, previous === undefined ? [] : [decode(previous)])
  }
  const ids = await db
    .selectFrom('files')
    .select('key_id')
    .distinct()
    .where('key_id', 'is not', null)
    .execute()
  if (ids.length > 0 && !ids.some((r) => keys.byId(r.key_id!) !== undefined)) {
    throw new PigeonholeError(
      'integrity_error',
      given
        ? 'openPigeonhole: files.masterKey: the stored files were wrapped by another master key; pass the key they were stored with (rotate with files.rotateMasterKey)'
        : 'openPigeonhole: files.masterKey: the stored files were wrapped by a master key given in the options; pass it again as files.masterKey',
      { field: 'files.masterKey', keyIds: ids.map((r) => r.key_id!) },
    )
  }
  return keys
}

function decode(value: string): Uint8Array {
  const key = Uint8Array.from(Buffer.from(value, 'base64'))
  if (key.length !== keyLength) {
    throw new PigeonholeError('integrity_error', 'the stored master key is not 32 bytes', {
      setting: generatedKeyName,
    })
  }
  return key
}
