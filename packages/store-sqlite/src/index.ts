export { sqliteStore, type SqliteStoreOptions, type Durability } from './sqlite-store.js'
