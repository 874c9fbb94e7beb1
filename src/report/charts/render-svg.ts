/**
 * Vega-Lite spec -> SVG text, in Node: compile to Vega, run a headless View (renderer 'none',
 * so no canvas is needed; text widths are estimated) and serialize its scene to SVG.
 * vega and vega-lite are imported on first use: they take a quarter second to load, which
 * every other CLI command would pay otherwise.
 */
import type { TopLevelSpec } from 'vega-lite';

export type WarningSink = (message: string) => void;

/**
 * Several SVGs inline in one HTML page share one id space: a second chart's `clip1` would clip
 * with the first chart's rectangle. Every id and every reference to one gets `prefix`.
 */
function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

/**
 * The chart renderer is an optional peer of the package (about 24 MiB with its d3 modules): an
 * app that only prunes, quantizes or runs models does not install it, and a report says what to add.
 */
async function loadVega(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  try {
    return await Promise.all([import('vega'), import('vega-lite')]);
  } catch (e) {
    throw new Error(`report charts need the packages vega and vega-lite (npm install vega vega-lite): ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function renderSvg(spec: TopLevelSpec, idPrefix: string, warn: WarningSink = () => {}): Promise<string> {
  const [vega, vl] = await loadVega();
  // One logger for the compiler and the View: warnings go to the sink, not to the console.
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) =>
    warn(`${idPrefix}: ${level.toLowerCase()} ${args.map(String).join(' ')}`));
  const compiled = vl.compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    return prefixIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}
