import { runConformanceSuite } from '@pigeonhole/core/testing'
import { sqliteStore } from '../src/index.js'

runConformanceSuite({ name: 'sqlite', openStore: () => sqliteStore({ path: ':memory:' }) })
