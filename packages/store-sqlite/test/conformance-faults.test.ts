import { runConformanceSuite } from '@pigeonhole/core/testing'
import { sqliteStore } from '../src/index.js'

// The faults area (delivery between two engines under the memory network's faults) runs from
// its own file, side by side with the others. `:memory:` stores: the harness keeps each one
// open across the simulated crashes (reopenable), so a restarted engine finds its data.
runConformanceSuite({
  name: 'sqlite',
  areas: ['faults'],
  openStore: () => sqliteStore({ path: ':memory:' }),
})
