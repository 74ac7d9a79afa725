import { type DialectAdapter, SqliteAdapter, SqliteDialect } from 'kysely'

/**
 * SQLite rolls DDL back like any other statement, but Kysely's SqliteAdapter says it cannot,
 * so its migrator would run each CREATE in its own autocommit. A process killed in the middle
 * of the first open then leaves half a schema that no later open can migrate ("table already
 * exists"). Saying so makes the migrator run the pending migrations in one transaction.
 */
class TransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

export class PigeonholeSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlAdapter()
  }
}
