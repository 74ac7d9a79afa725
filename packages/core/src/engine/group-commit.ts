import { CompiledQuery, type Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { AfterCommit } from '../events/after-commit.js'
import type { Store, SyncStatements } from '../store-port.js'
import type { PigeonholeEvent } from '../types.js'
import type { Mutex } from '../util/mutex.js'
import type { WriteTx } from './write-tx.js'

/** One caller's change waiting for, or running in, a group. */
interface Job {
  readonly body: (tx: WriteTx) => Promise<unknown>
  readonly where: string
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  /** Set once the body ran to the end in its savepoint (released). */
  tx?: WriteTx
  value?: unknown
  events?: PigeonholeEvent[]
  /** Set when the body (or its flush) threw: rolled back to its savepoint alone. */
  error?: { thrown: unknown }
}

/** What a change runs: its body, in one write transaction of its own (`EngineContext.write`). */
export type RunAlone = <T>(body: (tx: WriteTx) => Promise<T>, where: string) => Promise<T>

/**
 * Group commit (`StoreCapabilities.groupCommit`): the changes that queue while the write lock
 * is held run together, once it is free, in ONE transaction, each inside its own SAVEPOINT. A
 * change that throws rolls back to its savepoint alone and gets its own error; the others
 * commit, so one commit (one fsync under `synchronous=FULL`) serves the group. Every change
 * settles only after that commit; the events of the group are emitted in cursor order before
 * any caller hears back. A group of one runs as a plain transaction.
 */
export class GroupCommit {
  readonly #lock: Mutex
  readonly #store: Store
  readonly #newTx: (trx: Kysely<Database>, where: string) => WriteTx
  readonly #afterCommit: AfterCommit
  readonly #alone: RunAlone
  /** The group waiting for the lock; jobs join it until it starts. */
  #pending: Job[] | undefined

  constructor(options: {
    lock: Mutex
    store: Store
    newTx: (trx: Kysely<Database>, where: string) => WriteTx
    afterCommit: AfterCommit
    alone: RunAlone
  }) {
    this.#lock = options.lock
    this.#store = options.store
    this.#newTx = options.newTx
    this.#afterCommit = options.afterCommit
    this.#alone = options.alone
  }

  /** Runs `body` in the next group; resolves or rejects once that group has committed. */
  run<T>(body: (tx: WriteTx) => Promise<T>, where: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        body,
        where,
        resolve: resolve as (value: unknown) => void,
        reject,
      }
      if (this.#pending) {
        this.#pending.push(job)
        return
      }
      const group = [job]
      this.#pending = group
      this.#lock
        .run(() => {
          // From here on, new jobs wait for the next group.
          if (this.#pending === group) this.#pending = undefined
          return this.#runGroup(group)
        })
        // Never expected; if it happens, no caller is left waiting (a settled one stays so).
        .catch((error: unknown) => {
          for (const job of group) job.reject(error)
        })
    })
  }

  async #runGroup(group: Job[]): Promise<void> {
    if (group.length === 1) {
      const job = group[0]!
      await this.#alone(job.body, job.where).then(job.resolve, job.reject)
      return
    }
    const sync = this.#store.capabilities.syncStatements
    try {
      await this.#store.transaction(async (trx) => {
        // A store that runs the body again (after a retry) starts the whole group over.
        for (const job of group) undo(job)
        for (const job of group) await runInSavepoint(job, trx, sync, this.#newTx)
      })
    } catch (error) {
      // Nothing of the group was committed: every change fails, with its own error if it had one.
      for (const job of group) {
        const own = job.error
        undo(job)
        job.reject(own ? own.thrown : error)
      }
      return
    }
    const events: PigeonholeEvent[] = []
    for (const job of group) if (job.events) events.push(...job.events)
    let failed: { thrown: unknown } | undefined
    try {
      await this.#afterCommit(events)
    } catch (thrown) {
      // As for a change alone: its caller hears of it, and its after-commit hooks do not run.
      failed = { thrown }
    }
    for (const job of group) {
      const error = job.error ?? failed
      if (error) {
        job.reject(error.thrown)
        continue
      }
      try {
        job.tx!.committed()
        job.resolve(job.value)
      } catch (thrown) {
        // A hook that throws reaches its own caller, as alone; the others still hear back.
        job.reject(thrown)
      }
    }
  }
}

/** Forgets what a job did in an attempt that will not commit (gives its rate tokens back). */
function undo(job: Job): void {
  job.tx?.rolledBack()
  job.tx = undefined
  job.value = undefined
  job.events = undefined
  job.error = undefined
}

/**
 * Runs one job between SAVEPOINT and RELEASE; when it throws, rolls back to the savepoint and
 * keeps its error. If even that fails (the store rolled the whole transaction back), the
 * group fails with the job's error.
 */
async function runInSavepoint(
  job: Job,
  trx: Kysely<Database>,
  sync: SyncStatements | undefined,
  newTx: (trx: Kysely<Database>, where: string) => WriteTx,
): Promise<void> {
  await statement(trx, sync, 'savepoint pigeonhole_job')
  let tx: WriteTx | undefined
  try {
    tx = newTx(trx, job.where)
    job.tx = tx
    job.value = await job.body(tx)
    job.events = await tx.flush()
  } catch (thrown) {
    job.tx = undefined
    tx?.rolledBack()
    job.error = { thrown }
    try {
      await statement(trx, sync, 'rollback to pigeonhole_job')
    } catch {
      throw thrown
    }
  }
  await statement(trx, sync, 'release pigeonhole_job')
}

/** A savepoint statement: synchronous when the store can (SQLite), else through Kysely. */
async function statement(
  trx: Kysely<Database>,
  sync: SyncStatements | undefined,
  sql: string,
): Promise<void> {
  if (sync) sync.run(sql, [])
  else await trx.executeQuery(CompiledQuery.raw(sql))
}
