import type { Command } from 'commander'

/** The store options every command but `--help` takes. */
export interface StoreFlags {
  sqlite?: string
  databaseUrl?: string
  schema?: string
}

/** Adds `--sqlite`, `--database-url` and `--schema` to a command. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--sqlite <file>', 'a SQLite database file (created by serve and migrate)')
    .option('--database-url <url>', 'a PostgreSQL connection string (default: $DATABASE_URL)')
    .option('--schema <name>', 'the PostgreSQL schema the tables live in (default: public)')
}
