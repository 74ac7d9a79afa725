import type { Kysely, Selectable } from 'kysely'
import { registeredAccounts, requireAccount } from '../accounts/lookup.js'
import type { Database, ThreadsTable } from '../db/schema.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { Page, Thread } from '../types.js'
import { listingHash, readCursor, sealCursor } from '../util/page-cursor.js'
import { parseInput } from '../validation/parse.js'
import {
  type CloseThreadInput,
  type CreateThreadInput,
  closeThreadInput,
  createThreadInput,
  type GetThreadInput,
  getThreadInput,
  type ListThreadsInput,
  listThreadsInput,
} from './schemas.js'

/** Conversations with a subject and participants; a closed thread takes no new messages. */
export class Threads {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /** Opens a thread; every participant must be a registered account. */
  async create(input: CreateThreadInput): Promise<Thread> {
    const where = 'threads.create'
    const parsed = parseInput(createThreadInput, input, where)
    const norm = (a: string) => normalizeAddress(a, this.#ctx.peerId)
    const participants = [...new Set(parsed.participants.map(norm))].sort()
    const createdBy = parsed.createdBy == null ? null : norm(parsed.createdBy)
    if (createdBy !== null && !participants.includes(createdBy)) {
      throw new PigeonholeError(
        'invalid_input',
        `${where}: createdBy: expected one of the participants, got "${createdBy}"`,
        {
          field: 'createdBy',
        },
      )
    }
    return this.#ctx.write(async (tx) => {
      // Locked (rowLocks): a concurrent accounts.remove waits, so no membership outlives its account.
      const found = await registeredAccounts(this.#ctx, tx, participants)
      const missing = participants.filter((p) => !found.has(p))
      if (missing.length > 0) {
        throw new PigeonholeError(
          'recipient_not_found',
          `${where}: participants: ${missing.map((m) => `"${m}"`).join(', ')} not registered`,
          { field: 'participants', missing },
        )
      }
      const row = {
        id: this.#ctx.ids.next('thr'),
        subject: parsed.subject,
        created_by: createdBy,
        created_at: tx.now,
        updated_at: tx.now,
        closed_at: null,
        version: 1,
      }
      await tx.db.insertInto('threads').values(row).execute()
      await tx.db
        .insertInto('thread_participants')
        .values(participants.map((address) => ({ thread_id: row.id, address })))
        .execute()
      tx.emit({ type: 'thread.created', data: { threadId: row.id, participants } })
      return toThread(row, participants)
    }, where)
  }

  /** The thread, or null. */
  async get(input: GetThreadInput): Promise<Thread | null> {
    const parsed = parseInput(getThreadInput, input, 'threads.get')
    const thread = await loadThread(this.#ctx.db, parsed.id)
    const participant = normalizeAddress(parsed.participant, this.#ctx.peerId)
    // Null for a non-participant, as for an unknown id: the answer does not tell it exists.
    return thread?.participants.includes(participant) ? thread : null
  }

  /** Threads a participant is in, newest first; `not_found` for an unknown participant. */
  async list(input: ListThreadsInput): Promise<Page<Thread>> {
    const where = 'threads.list'
    const parsed = parseInput(listThreadsInput, input, where)
    const size = parsed.limit ?? 50
    const participant = await requireAccount(this.#ctx, parsed.participant, where, 'participant')
    const listing = listingHash({ list: 'threads', participant, closed: parsed.closed })
    const after =
      parsed.cursor === undefined
        ? undefined
        : readCursor(parsed.cursor, listing, where, ([id, ...rest]) =>
            typeof id === 'string' && rest.length === 0 ? id : undefined,
          )
    const rows = await this.#ctx.db
      .selectFrom('thread_participants as p')
      .innerJoin('threads as t', 't.id', 'p.thread_id')
      .selectAll('t')
      .where('p.address', '=', participant)
      .$if(after !== undefined, (q) => q.where('t.id', '<', after!))
      .$if(parsed.closed !== undefined, (q) =>
        q.where('t.closed_at', parsed.closed ? 'is not' : 'is', null),
      )
      .orderBy('t.id', 'desc')
      .limit(size + 1)
      .execute()
    const page = rows.slice(0, size)
    const members = await participantsOf(
      this.#ctx.db,
      page.map((r) => r.id),
    )
    const items = page.map((r) => toThread(r, members.get(r.id) ?? []))
    return {
      items,
      nextCursor: rows.length > size ? sealCursor(listing, [page[page.length - 1]!.id]) : null,
      prevCursor: null,
    }
  }

  /** Closes the thread; closing it twice is an `invalid_transition`. */
  async close(input: CloseThreadInput): Promise<Thread> {
    const where = 'threads.close'
    const parsed = parseInput(closeThreadInput, input, where)
    const by = parsed.by == null ? null : normalizeAddress(parsed.by, this.#ctx.peerId)
    return this.#ctx.write(async (tx) => {
      const thread = await loadThread(tx.db, parsed.id)
      if (!thread) {
        throw new PigeonholeError('not_found', `${where}: id: no thread "${parsed.id}"`, {
          field: 'id',
          id: parsed.id,
        })
      }
      if (by !== null && !thread.participants.includes(by)) {
        throw new PigeonholeError(
          'forbidden',
          `${where}: by: "${by}" is not a participant of thread "${parsed.id}"`,
          { field: 'by', id: parsed.id, by },
        )
      }
      const done = await tx.db
        .updateTable('threads')
        .set({ closed_at: tx.now, updated_at: tx.now, version: thread.version + 1 })
        .where('id', '=', parsed.id)
        .where('closed_at', 'is', null)
        .executeTakeFirst()
      if (Number(done.numUpdatedRows) !== 1) {
        throw new PigeonholeError(
          'invalid_transition',
          `${where}: id: thread "${parsed.id}" is already closed`,
          { field: 'id', id: parsed.id },
        )
      }
      tx.emit({ type: 'thread.closed', data: { threadId: parsed.id, by } })
      return { ...thread, closedAt: tx.now, updatedAt: tx.now, version: thread.version + 1 }
    }, where)
  }
}

/** The thread with its participants, or null; no access check (see `get`, `admin.getThread`). */
export async function loadThread(db: Kysely<Database>, id: string): Promise<Thread | null> {
  const row = await db.selectFrom('threads').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) return null
  const members = await participantsOf(db, [id])
  return toThread(row, members.get(id) ?? [])
}

/** Participants of each thread, by address. */
export async function participantsOf(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (ids.length === 0) return out
  const rows = await db
    .selectFrom('thread_participants')
    .select(['thread_id', 'address'])
    .where('thread_id', 'in', ids)
    .orderBy('address')
    .execute()
  for (const r of rows) {
    const list = out.get(r.thread_id) ?? []
    list.push(r.address)
    out.set(r.thread_id, list)
  }
  return out
}

function toThread(row: Selectable<ThreadsTable>, participants: string[]): Thread {
  return {
    id: row.id,
    subject: row.subject,
    participants,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    version: Number(row.version),
  }
}
