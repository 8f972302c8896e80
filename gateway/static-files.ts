import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The package's root folder (where its package.json is), from source and from dist alike. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tessera') return dir;
    if (dirname(dir) === dir) return join(__dirname, '..');
  }
}

const root = packageRoot();
/** The live page's files, shipped as they are (no build step). */
export const PAGE_DIR = join(root, 'gateway', 'page');
/** The client library compiled for browsers (`npm run build`). */
export const BROWSER_LIB_DIR = join(root, 'dist', 'browser');

export interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

/**
 * A file under `dir` named by a URL path, or undefined. Nothing outside `dir` is reachable, and
 * only the known types are served. `defaultExt` is tried for a path without one: browsers resolve
 * an ES module's `import './x'` to `/…/x`, which is `x.js` here.
 */
export async function staticFile(dir: string, urlPath: string, defaultExt?: string): Promise<StaticFile | undefined> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  let path = normalize(join(dir, relative));
  if (!path.startsWith(dir + sep)) return undefined;
  if (extname(path) === '' && defaultExt !== undefined) path += defaultExt;
  const type = TYPES[extname(path)];
  if (type === undefined) return undefined;
  try {
    return { type, body: await readFile(path) };
  } catch {
    return undefined;
  }
}
