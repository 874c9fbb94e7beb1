/** Reading the report's inline SVGs back in tests: which charts, their marks, their titles. */

export interface ChartSvg {
  id: string;
  svg: string;
}

/** Each `<figure data-chart>` of report.html with the one SVG inside it. */
export function chartSvgs(html: string): ChartSvg[] {
  return [...html.matchAll(/<figure id="[^"]*" data-chart="([^"]+)">\s*(<svg[\s\S]*?<\/svg>)/g)].map((m) => ({ id: m[1]!, svg: m[2]! }));
}

/** Data marks with geometry: a symbol, line, area or rect drawn as a path with a non-empty d, or a rule as a line. */
export function markShapes(svg: string): number {
  const paths = svg.match(/<path [^>]*role="graphics-symbol"[^>]*\sd="M[^"]+"/g) ?? [];
  const lines = svg.match(/<line [^>]*role="graphics-symbol"[^>]*\sx2="[^"]+"/g) ?? [];
  return paths.length + lines.length;
}

/** The texts of the groups with `role` (e.g. 'role-title-text', 'role-axis-title'). */
export function texts(svg: string, role: string): string[] {
  const out: string[] = [];
  for (const g of svg.matchAll(new RegExp(`<g class="mark-text ${role}[^"]*"[^>]*>([\\s\\S]*?)</g>`, 'g'))) {
    for (const t of g[1]!.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)) out.push(t[1]!.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&'));
  }
  return out;
}
