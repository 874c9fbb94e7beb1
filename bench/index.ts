// `npm run bench`: every benchmark in turn, each in its own process (thread counts and
// memory are per process). Prints what they print; decides nothing (STYLE.md §11).
import { spawnSync } from 'node:child_process';

const BENCHES = ['bench/gemm.bench.ts', 'bench/train.bench.ts', 'bench/prune-sensitivity.bench.ts'];

for (const file of BENCHES) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`=== ${file} exited with ${r.status ?? r.signal}`);
}
