import type { Difference, VerifyProgress } from '@pigeonhole/core'
import cliProgress from 'cli-progress'
import { exitCodes } from './errors.js'
import type { Output } from './output.js'
import { openEngine, type StoreFlags } from './store.js'

export interface VerifyFlags extends StoreFlags {
  json?: boolean
  /** true: always a bar (also when stderr is not a terminal); false: never; unset: see below. */
  progress?: boolean
}

/** A bar appears only if verify is still running after this long (a large store). */
const barDelayMs = 300

/**
 * Runs `ph.verify()`; prints each difference; 1 when there are some, 0 when clean. The bar
 * (on stderr) shows the checks done; by default it appears on a terminal once verify has run
 * for `barDelayMs`, so a small store prints no bar at all.
 */
export async function verifyCommand(flags: VerifyFlags, io: Output): Promise<number> {
  const { ph, describe } = await openEngine(flags, false)
  const forced = flags.progress === true
  const wanted = flags.progress !== false && (forced || process.stderr.isTTY === true)
  const bar = new cliProgress.SingleBar(
    {
      format: 'verify [{bar}] {value}/{total} checks | {check} | {duration_formatted}',
      noTTYOutput: forced,
      notTTYSchedule: 1000,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  )
  let last: VerifyProgress = { check: null, done: 0, total: 0 }
  let shown = false
  const show = () => {
    if (shown || !wanted) return
    shown = true
    bar.start(last.total, last.done, { check: last.check ?? 'starting' })
  }
  const timer = forced ? undefined : setTimeout(show, barDelayMs)
  let differences: Difference[]
  try {
    differences = await ph.verify({
      onProgress: (p) => {
        last = p
        if (forced) show()
        if (shown) bar.update(p.done, { check: p.check ?? 'starting' })
      },
    })
  } finally {
    clearTimeout(timer)
    if (shown) bar.stop()
    await ph.close()
  }
  if (flags.json) {
    io.out(JSON.stringify(differences, null, 2))
  } else if (differences.length === 0) {
    io.out(`${describe}: no differences (counts and versions match a full recount)`)
  } else {
    for (const d of differences) io.out(formatDifference(d))
    const n = differences.length
    io.out(`${describe}: ${n} difference${n === 1 ? '' : 's'}`)
  }
  return differences.length === 0 ? exitCodes.ok : exitCodes.differences
}

/** `count_mismatch owner=bob box=inbox kept={"total":2,"unread":2} recounted={...}` */
export function formatDifference(d: Difference): string {
  const parts = Object.entries(d.details).map(
    ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
  )
  return [d.kind, ...parts].join(' ')
}
