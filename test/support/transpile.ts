import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
const FOLDERS = ['common', 'actors', 'router', 'providers', 'gateway', 'cli', 'cluster', 'testkit'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

let compiled: string | undefined;

/**
 * The package as CommonJS in a private folder, transpiled file by file without type checking
 * (seconds instead of a full build), for tests that run the service in a child process.
 * Modules resolve from the repository through NODE_PATH. Returns the folder.
 */
export function transpilePackage(): string {
  if (compiled !== undefined) return compiled;
  const outDir = mkdtempSync(join(tmpdir(), 'tessera-js-'));
  const files = [...readdirSync(ROOT).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, f)), ...FOLDERS.flatMap((f) => sources(join(ROOT, f)))];
  for (const file of files) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }, fileName: file });
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  compiled = outDir;
  return outDir;
}

/** The environment a child running the transpiled package needs. */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_PATH: join(ROOT, 'node_modules') };
}
