import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { ApiKeysTable } from '../db/schema.js'
import { readClock } from '../engine/clock.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import { parseInput } from '../validation/parse.js'
import { apiKeyId, apiKeyText, type CreateApiKeyInput, createApiKeyInput } from './schemas.js'

/** A stored API key, without its secret (only its SHA-256 is kept). */
export interface ApiKey {
  id: string
  /** The account every call made with it acts as; null: an admin key (acts for anyone). */
  account: string | null
  label: string
  createdAt: number
  revokedAt: number | null
}

/** What `create` returns: the key itself, shown this once and never stored. */
export interface CreatedApiKey extends ApiKey {
  key: string
}

/** Keys start with this, so a leaked one is easy to recognise (secret scanners). */
export const apiKeyPrefix = 'ph_'

/** Hex SHA-256 of a key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    account: row.account,
    label: row.label,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  }
}

/**
 * API keys for the REST API. A key is `ph_` and 32 random bytes (base64url); only its SHA-256
 * is stored. A plain hash is enough for keys of 256 random bits: there is nothing to guess by
 * brute force, so a slow password hash (scrypt, argon2) would only cost every request time.
 */
export class ApiKeys {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /** A new key; `key` is returned this once. A bound key's account must be registered. */
  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const where = 'admin.apiKeys.create'
    const parsed = parseInput(createApiKeyInput, input, where)
    const account = parsed.account ?? null
    const key = apiKeyPrefix + randomBytes(32).toString('base64url')
    return this.#ctx.write(async (tx) => {
      if (account !== null) {
        const found = await tx.db
          .selectFrom('accounts')
          .select('address')
          .where('address', '=', account)
          .executeTakeFirst()
        if (!found) {
          throw new PigeonholeError('not_found', `${where}: account: no account "${account}"`, {
            field: 'account',
            address: account,
          })
        }
      }
      const row = {
        id: this.#ctx.ids.next('key'),
        hash: hashApiKey(key),
        account,
        label: parsed.label,
        created_at: readClock(this.#ctx.clock, where),
        revoked_at: null,
      }
      await tx.db.insertInto('api_keys').values(row).execute()
      return { ...toApiKey(row), key }
    }, where)
  }

  /** Revokes a key: it no longer verifies. Revoking twice is fine; an unknown id is `not_found`. */
  async revoke(id: string): Promise<ApiKey> {
    const where = 'admin.apiKeys.revoke'
    const keyId = parseInput(apiKeyId, id, where, 'id')
    return this.#ctx.write(async (tx) => {
      const row = await tx.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', keyId)
        .executeTakeFirst()
      if (!row) {
        throw new PigeonholeError('not_found', `${where}: id: no API key "${keyId}"`, {
          field: 'id',
          id: keyId,
        })
      }
      if (row.revoked_at !== null) return toApiKey(row)
      const at = readClock(this.#ctx.clock, where)
      await tx.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', keyId).execute()
      return toApiKey({ ...row, revoked_at: at })
    }, where)
  }

  /** Every key, newest first (without secrets), revoked ones too. */
  async list(): Promise<ApiKey[]> {
    const rows = await this.#ctx.db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
    return rows.map(toApiKey)
  }

  /**
   * The key's record if `key` is a live key (not revoked; a bound key's account still
   * registered), else null. Looked up by its SHA-256, then compared in constant time.
   */
  async verify(key: string): Promise<ApiKey | null> {
    const given = parseInput(apiKeyText, key, 'admin.apiKeys.verify', 'key')
    const hash = hashApiKey(given)
    const row = await this.#ctx.db
      .selectFrom('api_keys')
      .selectAll()
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (!row) return null
    if (!timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return null
    if (row.account !== null) {
      const account = await this.#ctx.db
        .selectFrom('accounts')
        .select('address')
        .where('address', '=', row.account)
        .executeTakeFirst()
      if (!account) return null
    }
    return toApiKey(row)
  }
}
