import { runConformanceSuite } from '@pigeonhole/core/testing'
import { sqliteStore } from '../src/index.js'

// Every behaviour again with group commit on (the default only with durability 'full', whose
// fsyncs on files would make this slow; in memory the grouping is the same): the changes a
// test makes at once run in one transaction, each in its own savepoint. Not named
// conformance-*: those files together run each area once (test/ci/conformance-areas.test.ts);
// this one runs the behaviour area a second time, in another configuration.
runConformanceSuite({
  name: 'sqlite, group commit',
  areas: ['behaviour'],
  openStore: () => sqliteStore({ path: ':memory:', groupCommit: true }),
})
