import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` holding a directory lock shared by every process on this machine (several test runs may start
 * the same cluster or build at once). A lock whose owner died is taken over.
 */
export async function withLock<T>(lockDir: string, what: string, fn: () => Promise<T>, onWait?: (msg: string) => void): Promise<T> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const ownerFile = path.join(lockDir, 'owner');
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(ownerFile, 'utf8'));
      } catch {
        // The owner is between mkdir and writing its pid; give it a moment.
      }
      const ownerless = Number.isNaN(owner) && Date.now() - mtimeMs(lockDir) > 10_000;
      if (ownerless || (!Number.isNaN(owner) && !isAlive(owner))) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced && onWait) onWait(`waiting for another process (pid ${owner}) that holds the ${what} lock`);
      announced = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function mtimeMs(dir: string): number {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return Date.now();
  }
}
