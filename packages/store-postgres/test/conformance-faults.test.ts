import { runConformanceSuite } from '@pigeonhole/core/testing'
import { vi } from 'vitest'
import { describePostgres, useSchemas } from './postgres-env.js'

// The faults area: delivery between two engines under the memory network's faults. Every plan
// opens two engines on fresh schemas and each step is a round trip to the server, so this file
// runs a fifth of FUZZ_RUNS plans (at least 4): 20 at 100, about 60 s here (SQLite runs all).
vi.setConfig({ testTimeout: 240_000 })

describePostgres('store-postgres', () => {
  const schemas = useSchemas('ph_conf_faults')
  runConformanceSuite({
    name: 'postgres',
    areas: ['faults'],
    fuzzRuns: Math.max(4, Math.ceil((Number(process.env.FUZZ_RUNS) || 100) / 5)),
    openStore: () => schemas.fresh(),
  })
})
