import { runConformanceSuite } from '@pigeonhole/core/testing'
import { vi } from 'vitest'
import { describePostgres, useSchemas } from './postgres-env.js'

// The conformance suite runs from one file per area (behaviour, model, paging, requests), so vitest
// runs them side by side; together they run all of it (test/ci/conformance-areas.test.ts).
// Every query is a round trip to the server: the model-based runs take longer than on SQLite.
vi.setConfig({ testTimeout: 240_000 })

describePostgres('store-postgres', () => {
  const schemas = useSchemas('ph_conf_requests')
  runConformanceSuite({ name: 'postgres', areas: ['requests'], openStore: () => schemas.fresh() })
})
