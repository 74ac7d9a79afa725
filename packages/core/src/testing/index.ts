export { runConformanceSuite } from './conformance.js'
export { settledMemory, usedMemory } from './memory.js'
export { type ConformanceArea, type ConformanceOptions, conformanceAreas } from './options.js'
export {
  PeerIds,
  reopenable,
  type TwoPeers,
  type TwoPeersOptions,
  twoPeers,
} from './two-peers.js'
