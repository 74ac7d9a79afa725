export { runConformanceSuite } from './conformance.js'
export { type ConformanceArea, type ConformanceOptions, conformanceAreas } from './options.js'
