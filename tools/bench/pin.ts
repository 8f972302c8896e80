import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

/** Sets the cores processes (every thread of each) may run on, with Linux's `taskset`; false where it cannot. */
function setAffinity(pids: readonly number[], cores: string): boolean {
  if (process.platform !== 'linux' || os.cpus().length < 2) return false;
  try {
    for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins processes to one core (needs two or more cores and `taskset`); false when it could not. */
export function pinToCore(pids: readonly number[], core: number): boolean {
  return setAffinity(pids, String(core));
}

/** Lets processes run on every core again. */
export function unpin(pids: readonly number[]): void {
  setAffinity(pids, `0-${os.cpus().length - 1}`);
}
