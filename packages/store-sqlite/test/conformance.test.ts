import { runConformanceSuite } from '@pigeonhole/core/testing'
import { sqliteStore } from '../src/index.js'

// The requests area runs from its own file (conformance-requests.test.ts), side by side with
// this one; together they run every area (test/ci/conformance-areas.test.ts).
runConformanceSuite({
  name: 'sqlite',
  areas: ['behaviour', 'model', 'paging'],
  openStore: () => sqliteStore({ path: ':memory:' }),
})
