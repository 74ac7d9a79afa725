import { runConformanceSuite } from '@pigeonhole/core/testing'
import { sqliteStore } from '../src/index.js'

// The Request protocol area of the conformance suite; conformance.test.ts runs the others.
runConformanceSuite({
  name: 'sqlite',
  areas: ['requests'],
  openStore: () => sqliteStore({ path: ':memory:' }),
})
