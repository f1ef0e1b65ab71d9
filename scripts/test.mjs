// The README's test command: type-check, bundle, then every jest suite (unit and real-cluster integration).
import { spawnSync } from 'node:child_process';

function step(label, cmd, args) {
  process.stderr.write(`\n== ${label}\n`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n== ${label} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
step('build', process.execPath, ['scripts/build.mjs']);
step('jest', 'npx', ['jest', '--ci', ...process.argv.slice(2)]);
