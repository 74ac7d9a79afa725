export {
  type ConformanceArea,
  type ConformanceOptions,
  conformanceAreas,
  runConformanceSuite,
} from './conformance.js'
