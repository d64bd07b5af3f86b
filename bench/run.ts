// Runs every benchmark in its own process (so one cannot warm or pollute another) and
// prints their markdown tables. `npm run bench` runs all; `npm run bench -- engine` one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ALL = ['engine', 'detectors', 'counters', 'audit', 'sdk', 'gateway'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const dir = fileURLToPath(new URL('.', import.meta.url));
let failed = 0;
// The SDK and gateway benchmarks measure the compiled package (dist/), as users run it
// (`import ... from 'warden'`, bin/warden.js), not the sources through tsx's transform.
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('npm run build failed; the benchmarks measure dist/');
  process.exit(1);
}
for (const name of wanted) {
  const file = `${dir}${name}.ts`;
  if (!existsSync(file)) {
    if (!ALL.includes(name)) {
      console.error(`no benchmark named ${name}; available: ${ALL.filter((n) => existsSync(`${dir}${n}.ts`)).join(', ')}`);
      failed++;
    }
    continue;
  }
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`benchmark ${name} failed (exit ${result.status})`);
    failed++;
  }
  console.log('');
}
process.exitCode = failed ? 1 : 0;
