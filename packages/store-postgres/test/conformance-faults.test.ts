import { runConformanceSuite } from '@pigeonhole/core/testing'
import { vi } from 'vitest'
import { describePostgres, useSchemas } from './postgres-env.js'

// The faults area: delivery between two engines under the memory network's faults. Every plan
// opens two engines on fresh schemas and each step is a round trip to the server, so this file
// runs a quarter of FUZZ_RUNS plans (at least 5): 25 at the default 100.
vi.setConfig({ testTimeout: 240_000 })

describePostgres('store-postgres', () => {
  const schemas = useSchemas('ph_conf_faults')
  runConformanceSuite({
    name: 'postgres',
    areas: ['faults'],
    fuzzRuns: Math.max(5, Math.ceil((Number(process.env.FUZZ_RUNS) || 100) / 4)),
    openStore: () => schemas.fresh(),
  })
})
