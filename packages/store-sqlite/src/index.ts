export { type Durability, type SqliteStoreOptions, sqliteStore } from './sqlite-store.js'
