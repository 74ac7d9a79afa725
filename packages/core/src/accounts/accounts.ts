import { type Selectable, sql } from 'kysely'
import { deleteCounts } from '../boxes/counts.js'
import { deleteConsents } from '../consent/queries.js'
import { systemSender } from '../consent/rules.js'
import type { AccountsTable } from '../db/schema.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { Account, ConsentMode, Page } from '../types.js'
import { listingHash, readCursor, sealCursor } from '../util/page-cursor.js'
import { address as addressSchema } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'
import { notFound } from './lookup.js'
import {
  type ListAccountsInput,
  listInput,
  type RegisterInput,
  registerInput,
  type UpdateAccountInput,
  updateInput,
} from './schemas.js'

/** A cursor belongs to its listing: every account, or those under one prefix. */
const accountsListing = (prefix: string | undefined) => listingHash({ list: 'accounts', prefix })

/** `prefix` as a LIKE pattern: `_` (and `%`, `\`) stand for themselves. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    address: row.address,
    displayName: row.display_name,
    consent: row.consent as ConsentMode,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: Number(row.version),
  }
}

/** Register, read, list, update and remove the addresses of this engine. */
export class Accounts {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /** Registers a new local address; `already_exists` if it is taken or was ever removed. */
  async register(input: RegisterInput): Promise<Account> {
    const parsed = parseInput(registerInput, input, 'accounts.register')
    const address = this.#local(parsed.address, 'accounts.register')
    if (address === systemSender) {
      throw new PigeonholeError(
        'invalid_input',
        `accounts.register: address: "${systemSender}" is reserved (the sender of system messages and broadcasts in consent)`,
        { field: 'address', expected: `an address other than "${systemSender}"`, got: address },
      )
    }
    return this.#ctx.write(async (tx) => {
      const existing = await tx.db
        .selectFrom('accounts')
        .select('address')
        .where('address', '=', address)
        .executeTakeFirst()
      if (existing) {
        throw new PigeonholeError(
          'already_exists',
          `accounts.register: address: "${address}" is already registered`,
          { field: 'address', address },
        )
      }
      // After the live check: a remove committing in between has written its tombstone.
      const removed = await tx.db
        .selectFrom('removed_accounts')
        .select('address')
        .where('address', '=', address)
        .executeTakeFirst()
      if (removed) {
        throw new PigeonholeError(
          'already_exists',
          `accounts.register: address "${address}" belonged to a removed account and is never reused`,
          { field: 'address', address, removed: true },
        )
      }
      const row = {
        address,
        display_name: parsed.displayName ?? null,
        consent: parsed.consent ?? 'open',
        created_at: tx.now,
        updated_at: tx.now,
        version: 1,
      }
      await tx.db.insertInto('accounts').values(row).execute()
      tx.emit({ type: 'account.registered', owner: address, data: { consent: row.consent } })
      return toAccount(row)
    }, 'accounts.register')
  }

  /** The account, or null when the address is not registered. */
  async get(address: string): Promise<Account | null> {
    const local = this.#local(
      parseInput(addressSchema, address, 'accounts.get', 'address'),
      'accounts.get',
    )
    return this.#read(local)
  }

  /** The account at `address` (already local), or null. */
  async #read(address: string): Promise<Account | null> {
    const row = await this.#ctx.db
      .selectFrom('accounts')
      .selectAll()
      .where('address', '=', address)
      .executeTakeFirst()
    return row ? toAccount(row) : null
  }

  /**
   * Accounts in address order, `limit` at a time (default 100); with `prefix`, only the
   * addresses that start with it (a search box).
   */
  async list(input?: ListAccountsInput): Promise<Page<Account>> {
    const where = 'accounts.list'
    const parsed = parseInput(listInput, input, where) ?? {}
    const size = parsed.limit ?? 100
    const listing = accountsListing(parsed.prefix)
    let query = this.#ctx.db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('address')
      .limit(size + 1)
    if (parsed.prefix !== undefined) {
      // LIKE, not a range: PostgreSQL's collation may order `a-b` between `aa` and `ac`.
      query = query.where(sql<boolean>`address like ${likePrefix(parsed.prefix)} escape '\\'`)
    }
    if (parsed.cursor !== undefined) {
      const after = readCursor(parsed.cursor, listing, where, ([address, ...rest]) =>
        typeof address === 'string' && rest.length === 0 ? address : undefined,
      )
      query = query.where('address', '>', after)
    }
    const rows = await query.execute()
    const items = rows.slice(0, size).map(toAccount)
    return {
      items,
      nextCursor:
        rows.length > size ? sealCursor(listing, [items[items.length - 1]!.address]) : null,
      prevCursor: null,
    }
  }

  /**
   * Changes the display name or consent mode; version goes up by one. With neither given it
   * changes nothing (no version, no event) and returns the account as it is.
   */
  async update(input: UpdateAccountInput): Promise<Account> {
    const where = 'accounts.update'
    const parsed = parseInput(updateInput, input, where)
    const address = this.#local(parsed.address, where)
    if (parsed.displayName === undefined && parsed.consent === undefined) {
      const account = await this.#read(address)
      if (!account) throw notFound(address, where, 'address')
      return account
    }
    return this.#ctx.write(async (tx) => {
      // One statement, setting only the given fields: a read-then-write would lose a concurrent
      // update of another field (both would write back the whole row).
      const next = await tx.db
        .updateTable('accounts')
        .set((eb) => ({
          ...(parsed.displayName !== undefined && { display_name: parsed.displayName }),
          ...(parsed.consent !== undefined && { consent: parsed.consent }),
          updated_at: tx.now,
          version: eb('version', '+', 1),
        }))
        .where('address', '=', address)
        .returningAll()
        .executeTakeFirst()
      if (!next) throw notFound(address, where, 'address')
      tx.emit({ type: 'account.updated', owner: address, data: { consent: next.consent } })
      return toAccount(next)
    }, where)
  }

  /**
   * Removes the account, its box entries, counts, thread memberships, its sides of requests and
   * its consents (states and feed rows); its files count as deleted by their owner (see
   * `files.delete`). Messages it sent
   * stay: others still hold them. The address is never registered again, so no one can act
   * as the removed account (edit or retract its messages, reuse its idempotency keys).
   */
  async remove(address: string): Promise<void> {
    const local = this.#local(
      parseInput(addressSchema, address, 'accounts.remove', 'address'),
      'accounts.remove',
    )
    await this.#ctx.write(async (tx) => {
      const deleted = await tx.db
        .deleteFrom('accounts')
        .where('address', '=', local)
        .executeTakeFirst()
      if (Number(deleted.numDeletedRows) === 0) throw notFound(local, 'accounts.remove', 'address')
      await tx.db.deleteFrom('box_entries').where('owner', '=', local).execute()
      await deleteCounts(tx.db, local)
      await tx.db.deleteFrom('thread_participants').where('address', '=', local).execute()
      await tx.db.deleteFrom('requests').where('owner', '=', local).execute()
      await deleteConsents(tx.db, local)
      // Its files: no longer referenced by their owner (the sweep deletes those no message
      // attaches; messages keep the others).
      await tx.db
        .updateTable('files')
        .set({ deleted_at: tx.now, updated_at: tx.now })
        .where('owner', '=', local)
        .where('deleted_at', 'is', null)
        .execute()
      await tx.db
        .insertInto('removed_accounts')
        .values({ address: local, removed_at: tx.now })
        .execute()
      tx.emit({ type: 'account.removed', owner: local })
    }, 'accounts.remove')
  }

  /** Accounts live on this engine: `name@other` is refused, naming the method and field. */
  #local(address: string, where: string): string {
    const normalized = normalizeAddress(address, this.#ctx.peerId)
    if (normalized.includes('@')) {
      throw new PigeonholeError(
        'invalid_input',
        `${where}: address: expected a local address (no @, or @${this.#ctx.peerId}), got "${address}"`,
        { field: 'address', expected: 'a local address', got: address },
      )
    }
    return normalized
  }
}
