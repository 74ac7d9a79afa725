import { runConformanceSuite } from '@pigeonhole/core/testing'
import { vi } from 'vitest'
import { describePostgres, useSchemas } from './postgres-env.js'

// Every query is a round trip to the server: the model-based runs take longer than on SQLite.
vi.setConfig({ testTimeout: 240_000 })

describePostgres('store-postgres', () => {
  const schemas = useSchemas('ph_conf')
  runConformanceSuite({ name: 'postgres', openStore: () => schemas.fresh() })
})
