const html = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

interface Doc {
  info: { title: string; version: string; description?: string }
  paths?: Record<
    string,
    Record<string, { summary?: string; description?: string; tags?: string[] }>
  >
}

/**
 * A plain HTML page listing every route of the OpenAPI document (no script, no CDN): the
 * method, the path, the summary, grouped by tag, and a link to `/openapi.json`.
 */
export function docsPage(document: object): string {
  const doc = document as Doc
  const byTag = new Map<string, string[]>()
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other'
      const row =
        `<tr><td><code>${html(method.toUpperCase())}</code></td><td><code>${html(path)}</code></td>` +
        `<td>${html(op.summary ?? '')}${op.description ? `<br><small>${html(op.description)}</small>` : ''}</td></tr>`
      byTag.set(tag, [...(byTag.get(tag) ?? []), row])
    }
  }
  const sections = [...byTag]
    .map(
      ([tag, rows]) =>
        `<h2>${html(tag)}</h2><table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(doc.info.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}</style>
</head><body><h1>${html(doc.info.title)} <small>${html(doc.info.version)}</small></h1>
<p>${html(doc.info.description ?? '')}</p>
<p>Every route needs <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are RFC 9457 problem details (<code>application/problem+json</code>). The machine-readable document: <a href="openapi.json">openapi.json</a>.</p>
${sections}
</body></html>
`
}
