import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Compiles the package into a private folder (so a concurrent `npm run build` is undisturbed)
 * and returns the path of its `cli/main.js`. Modules resolve from the repo via NODE_PATH.
 */
export async function buildCli(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  const tsc = require.resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'];
  const output = await new Promise<string>((done) => execFile(process.execPath, args, { cwd: ROOT }, (_error, stdout, stderr) => done(stdout + stderr)));
  const main = join(outDir, 'cli', 'main.js');
  // tsc emits despite type errors; only a missing entry point is fatal here.
  if (!existsSync(main)) throw new Error(`build failed:\n${output}`);
  return main;
}

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), LOG_LEVEL: process.env.CLI_TEST_LOG_LEVEL ?? 'warn' };
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** The URL from the first stdout line. */
  readonly url: string;
  readonly firstLine: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `tessera run …` and resolves once its first stdout line has arrived. */
export function startRun(main: string, args: readonly string[], timeoutMs = 30_000): Promise<RunningCli> {
  const child = spawn(process.execPath, [main, 'run', ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, stderr })),
  );
  return new Promise((resolveRun, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`no first line within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    lines.once('line', (firstLine) => {
      clearTimeout(timer);
      const url = /^listening on (ws:\/\/\S+)$/.exec(firstLine)?.[1] ?? '';
      resolveRun({ child, url, firstLine, exited });
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`tessera run exited (${code}) before printing; stderr: ${stderr}`));
    });
  });
}

/** Runs a CLI command to completion. */
export function runCli(main: string, args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    execFile(process.execPath, [main, ...args], { env: childEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && error.killed) return reject(new Error(`tessera ${args.join(' ')} timed out; stderr: ${stderr}`));
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
