import { expect, test } from 'vitest'
// The harness lives in bench/ so the 1,000-kill run (npm run crash -w @pigeonhole/bench) and
// this test share one child and one set of checks.
import { runCrashTrial } from '../../../bench/src/crash/harness.js'

const kills = Number(process.env.CRASH_KILLS ?? 20)
// CRASH_SEED replays the kill timings and the children's choices of a failed run.
const seed = process.env.CRASH_SEED === undefined ? undefined : Number(process.env.CRASH_SEED)

// 'full' runs group commit (8 writers at once) and waits for fsyncs, whose time depends on
// the disk: fewer kills, each 200 to 800 ms after the child is ready, so every child does
// some work on a busy machine too (the harness's defaults, 30 to 500 ms, for 'normal').
const cases = [
  ['normal', kills, {}],
  ['full', Math.max(2, Math.ceil(kills / 4)), { minDelayMs: 200, maxDelayMs: 800 }],
] as const

test.each(cases)(
  `durability '%s': every acknowledged send survives %i SIGKILLs exactly once`,
  async (mode, kills, delays) => {
    const report = await runCrashTrial({ kills, seed, mode, ...delays })
    const context = `seed ${report.seed}`
    expect(report.failures, context).toEqual([])
    // The children must have done real work for the checks below to mean anything (the first
    // kill lands while the engine opens, before any send).
    expect(report.acknowledged, context).toBeGreaterThan((kills - 1) * 10)
    expect(report.lost, context).toEqual([])
    expect(report.duplicates, context).toEqual([])
    expect(report.unread, context).toEqual([])
    expect(report.integrity, context).toEqual([])
    expect(report.differences, context).toEqual([])
    // Sends committed just before a kill are stored without an ack: never fewer than acked.
    expect(report.stored, context).toBeGreaterThanOrEqual(report.acknowledged)
  },
  120_000,
)
