/** One line of the chart. */
export interface Series {
  name: string
  color: string
  /** Dashed line (e.g. the reference beside the engine). */
  dashed?: boolean
  points: { x: number; y: number }[]
}

export interface ChartSpec {
  title: string
  subtitle?: string
  xLabel: string
  yLabel: string
  /** Where the x axis gets a tick and its label (log scale, so e.g. 1k, 10k, 100k, 1M). */
  xTicks: { value: number; label: string }[]
  series: Series[]
}

const width = 720
const height = 420
const margin = { left: 72, right: 200, top: 56, bottom: 56 }

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A round top for the y axis and its step: 0 to top in 4 to 8 steps of 1, 2 or 5 × 10^k. */
function yScale(max: number): { top: number; step: number } {
  const raw = max / 5
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!
  return { top: Math.ceil(max / step) * step, step }
}

/**
 * A line chart as a standalone SVG string: x on a log scale, y linear from 0, one polyline
 * and dots per series, a legend at the right. No library: the bench draws it itself.
 */
export function lineChartSvg(spec: ChartSpec): string {
  const xs = spec.xTicks.map((t) => Math.log10(t.value))
  const xMin = Math.min(...xs)
  const xMax = Math.max(...xs)
  const maxY = Math.max(...spec.series.flatMap((s) => s.points.map((p) => p.y)))
  const { top, step } = yScale(maxY > 0 ? maxY : 1)
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const px = (x: number) =>
    margin.left + (xMax === xMin ? plotW / 2 : ((Math.log10(x) - xMin) / (xMax - xMin)) * plotW)
  const py = (y: number) => margin.top + plotH - (y / top) * plotH
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="22" font-size="15" font-weight="bold">${xml(spec.title)}</text>`,
  ]
  if (spec.subtitle) {
    out.push(`<text x="${margin.left}" y="40" fill="#555">${xml(spec.subtitle)}</text>`)
  }
  for (let y = 0; y <= top + step / 2; y += step) {
    const at = py(y).toFixed(1)
    out.push(
      `<line x1="${margin.left}" y1="${at}" x2="${margin.left + plotW}" y2="${at}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 8}" y="${at}" text-anchor="end" dominant-baseline="middle">${Number(y.toPrecision(6))}</text>`,
    )
  }
  for (const tick of spec.xTicks) {
    const at = px(tick.value).toFixed(1)
    out.push(
      `<line x1="${at}" y1="${margin.top}" x2="${at}" y2="${margin.top + plotH}" stroke="#e5e5e5"/>`,
      `<text x="${at}" y="${margin.top + plotH + 18}" text-anchor="middle">${xml(tick.label)}</text>`,
    )
  }
  const bottom = margin.top + plotH
  out.push(
    `<line x1="${margin.left}" y1="${bottom}" x2="${margin.left + plotW}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${xml(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xml(spec.yLabel)}</text>`,
  )
  spec.series.forEach((s, i) => {
    const points = s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : ''
    out.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...s.points.map(
        (p) =>
          `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${s.color}"/>`,
      ),
    )
    const ly = margin.top + 8 + i * 20
    const lx = margin.left + plotW + 16
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${xml(s.name)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
