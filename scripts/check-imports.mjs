// Turns DESIGN.md's architecture table into a check: a file under src/<layer>/ may import
// its own layer freely, lower layers only through their index.js front door, and never a
// higher layer. Type-only imports count too: they still couple the layers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const ORDER = ['cli', 'study', 'report', 'io', 'runtime', 'compress', 'data', 'nn', 'tensor', 'kernels'];
// The runtime must not pull in training code (DESIGN.md): it may use tensor and kernels only.
const EXTRA_FORBIDDEN = { runtime: ['nn', 'compress', 'data'] };

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const root = resolve('src');
const problems = [];
for (const file of walk(root)) {
  const layer = relative(root, file).split(sep)[0];
  if (!ORDER.includes(layer)) continue;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    const rel = relative(root, target);
    if (rel.startsWith('..')) continue;
    const parts = rel.split(sep);
    const other = parts[0];
    if (other === layer || !ORDER.includes(other)) continue;
    const where = `${relative('.', file)}: imports ${spec}`;
    if (ORDER.indexOf(other) < ORDER.indexOf(layer) || EXTRA_FORBIDDEN[layer]?.includes(other)) {
      problems.push(`${where} — '${layer}' may not depend on '${other}' (DESIGN.md architecture table)`);
    } else if (!(parts.length === 2 && parts[1] === 'index.js')) {
      problems.push(`${where} — import '${other}' through its front door, ${other}/index.js`);
    }
  }
}
if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('check-imports: layering ok');
