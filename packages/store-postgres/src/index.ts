export type {
  Isolation,
  PostgresStoreCommonOptions,
  PostgresStoreOptions,
  RetryInfo,
} from './options.js'
export { type PostgresStore, postgresStore } from './postgres-store.js'
