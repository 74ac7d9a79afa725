// Temporary (the req-fuzz branch): the requests area on SQLite :memory:.
import { runConformanceSuite } from '@pigeonhole/core/testing'
import { sqliteStore } from '../src/index.js'

runConformanceSuite({
  name: 'sqlite',
  areas: ['requests'],
  openStore: () => sqliteStore({ path: ':memory:' }),
})
