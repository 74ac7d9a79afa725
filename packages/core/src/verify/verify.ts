import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import { countMismatches, unknownCountOwners } from '../boxes/counts.js'
import type { Dialect } from '../db/dialect.js'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import type { Difference, VerifyOptions, VerifyProgress } from '../types.js'
import { functionOption, parseOptions } from '../validation/parse-options.js'

const verifyOptions = z.strictObject({
  onProgress: functionOption<(progress: VerifyProgress) => void>().optional(),
})

/** The checks `verify` runs, in order (`VerifyProgress.check`). */
export const verifyChecks = [
  'counts',
  'entry_versions',
  'message_versions',
  'orphan_entries',
  'unknown_owners',
  'orphan_file_chunks',
  'requests',
] as const

/** Event types that each add one to a box entry's version. */
const entryChanges = ['message.read', 'message.unread', 'message.moved', 'message.deleted']

/** Events that list the entries they changed (`data.marked`): a chunk of a whole-box mark. */
const listedChanges = ['box.markedRead', 'box.markedUnread']

/** How many changes the event log holds for each box entry (owner, message_id, role). */
function entryChangeCounts(db: Kysely<Database>, dialect: Dialect) {
  const single = db
    .selectFrom('events')
    .select(['owner', 'message_id', sql<string>`entry_role`.as('role')])
    .where('type', 'in', entryChanges)
  const listed = db
    .selectFrom([
      'events as b',
      dialect === 'postgres'
        ? sql`jsonb_array_elements(b.data -> 'marked')`.as('j')
        : sql`json_each(b.data, '$.marked')`.as('j'),
    ])
    .select(
      dialect === 'postgres'
        ? [
            'b.owner',
            sql<string>`j.value ->> 'messageId'`.as('message_id'),
            sql<string>`j.value ->> 'role'`.as('role'),
          ]
        : [
            'b.owner',
            sql<string>`json_extract(j.value, '$.messageId')`.as('message_id'),
            sql<string>`json_extract(j.value, '$.role')`.as('role'),
          ],
    )
    .where('b.type', 'in', listedChanges)
  return db
    .selectFrom(single.unionAll(listed).as('c'))
    .select(['c.owner', 'c.message_id', 'c.role', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['c.owner', 'c.message_id', 'c.role'])
}

/**
 * Recounts everything the engine keeps incrementally and returns where it differs: box totals
 * and unread counts, entry and message versions against the event log, orphaned entries.
 * Empty when all is well. Reads the whole store: for tests and after a crash, not hot paths.
 */
export function verify(ctx: EngineContext, options?: VerifyOptions): Promise<Difference[]> {
  const { onProgress } = parseOptions(verifyOptions, options ?? {}, 'verify')
  // One snapshot: reads spread over a moment of concurrent writes would each see a different
  // state (a recount before a send, the kept counts after it) and report differences that
  // never existed. Events are compared by count(type), never by cursor, so an event that
  // PostgreSQL has not numbered yet still counts with the change it came with.
  const total = verifyChecks.length
  let done = 0
  const step = (check: (typeof verifyChecks)[number]) =>
    onProgress?.({ check, done: ++done, total })
  return ctx.snapshot(async (db) => {
    done = 0
    onProgress?.({ check: null, done: 0, total })
    return differences(db, ctx.store.dialect, step)
  })
}

async function differences(
  db: Kysely<Database>,
  dialect: Dialect,
  step: (check: (typeof verifyChecks)[number]) => void,
): Promise<Difference[]> {
  const out = await countMismatches(db)
  step('counts')

  // Counted by row, never by cursor: a committed event may still wait for its cursor (PostgreSQL).
  const changes = entryChangeCounts(db, dialect)
  const entryVersions = await db
    .selectFrom('box_entries as e')
    .leftJoin(changes.as('v'), (join) =>
      join
        .onRef('v.message_id', '=', 'e.message_id')
        .onRef('v.owner', '=', 'e.owner')
        .onRef('v.role', '=', 'e.role'),
    )
    .select([
      'e.owner',
      'e.message_id',
      'e.role',
      'e.version',
      sql<number>`coalesce(v.n, 0)`.as('changes'),
    ])
    .where(sql<boolean>`1 + coalesce(v.n, 0) <> e.version`)
    .execute()
  for (const r of entryVersions) {
    out.push({
      kind: 'entry_version_mismatch',
      details: {
        owner: r.owner,
        messageId: r.message_id,
        role: r.role,
        version: Number(r.version),
        expected: 1 + Number(r.changes),
      },
    })
  }
  step('entry_versions')

  const messageVersions = await db
    .selectFrom('messages as m')
    .leftJoin('events as v', (join) =>
      join.onRef('v.message_id', '=', 'm.id').on('v.type', '=', 'message.updated'),
    )
    .select((eb) => ['m.id', 'm.version', eb.fn.count<number>('v.type').as('edits')])
    .groupBy(['m.id', 'm.version'])
    .having((eb) => eb(sql`1 + count(v.type)`, '<>', eb.ref('m.version')))
    .execute()
  for (const r of messageVersions) {
    out.push({
      kind: 'message_version_mismatch',
      details: { messageId: r.id, version: Number(r.version), expected: 1 + Number(r.edits) },
    })
  }
  step('message_versions')

  const orphans = await db
    .selectFrom('box_entries as e')
    .leftJoin('messages as m', 'm.id', 'e.message_id')
    .select(['e.owner', 'e.message_id', 'e.role'])
    .where('m.id', 'is', null)
    .execute()
  for (const r of orphans) {
    out.push({
      kind: 'orphan_entry',
      details: { owner: r.owner, messageId: r.message_id, role: r.role },
    })
  }
  step('orphan_entries')

  const strays = await unknownCountOwners(db)
    .union(
      db
        .selectFrom('box_entries as e')
        .leftJoin('accounts as a', 'a.address', 'e.owner')
        .select('e.owner')
        .distinct()
        .where('a.address', 'is', null),
    )
    .union(
      db
        .selectFrom('requests as r')
        .leftJoin('accounts as a', 'a.address', 'r.owner')
        .select('r.owner')
        .distinct()
        .where('a.address', 'is', null),
    )
    .union(
      db
        .selectFrom('files as f')
        .leftJoin('accounts as a', 'a.address', 'f.owner')
        .select('f.owner')
        .distinct()
        .where('a.address', 'is', null)
        .where('f.deleted_at', 'is', null)
        .where('f.status', '<>', 'uploading'),
    )
    .union(
      db
        .selectFrom('consents as c')
        .leftJoin('accounts as a', 'a.address', 'c.owner')
        .select('c.owner')
        .distinct()
        .where('a.address', 'is', null),
    )
    .execute()
  for (const r of strays) out.push({ kind: 'unknown_owner', details: { owner: r.owner } })
  step('unknown_owners')

  // Chunks in the database whose file row is gone or expired (blob stores are not listed).
  const strayChunks = await db
    .selectFrom('file_chunks as c')
    .leftJoin('files as f', 'f.id', 'c.file_id')
    .select((eb) => ['c.file_id', eb.fn.count<number>('c.idx').as('chunks')])
    .where((eb) => eb.or([eb('f.id', 'is', null), eb('f.status', '=', 'expired')]))
    .groupBy('c.file_id')
    .execute()
  for (const r of strayChunks) {
    out.push({
      kind: 'orphan_file_chunk',
      details: { fileId: r.file_id, chunks: Number(r.chunks) },
    })
  }
  step('orphan_file_chunks')

  // Deciding and sending the Response are one transaction: at rest, nothing is Decided, and
  // every Completed request holds its Response.
  const unanswered = await db
    .selectFrom('requests')
    .select(['owner', 'id', 'direction', 'status'])
    .where((eb) =>
      eb.or([
        eb('status', '=', 'Decided'),
        eb.and([eb('status', '=', 'Completed'), eb('response', 'is', null)]),
      ]),
    )
    .execute()
  for (const r of unanswered) {
    out.push({
      kind: 'request_without_response',
      details: { owner: r.owner, requestId: r.id, direction: r.direction, status: r.status },
    })
  }
  step('requests')
  return out
}
