import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { toError } from '../common/errors';
import { ProviderConfigError, type FactoryContext } from '../common/type-registry';

/** What an entry's `create` must give back: the methods the service will call. */
const REQUIRED_METHODS = {
  provider: ['start', 'stop', 'subscribe', 'unsubscribe'],
  worker: ['start', 'stop', 'subscribe', 'unsubscribe', 'inputs', 'receive'],
} as const;

/**
 * A factory from a user's own module (`"module": "./my-feed.js"`, relative to the config file):
 * the module exports `create(options)`, called with the entry's other fields on every (re)start.
 * It is loaded and `create` called once now, so a missing file, a module without `create`, a
 * `create` that throws or returns something that is not a `kind` all refuse the configuration,
 * naming the `module` field.
 */
export function moduleFactory<T>(kind: keyof typeof REQUIRED_METHODS, path: string, options: Readonly<Record<string, unknown>>, { baseDir }: FactoryContext): () => T {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  if (!existsSync(file)) throw new ProviderConfigError('module', `cannot load ${JSON.stringify(path)}: no such file (${file})`);
  let loaded: unknown;
  try {
    // The user's code is CommonJS JavaScript, loaded once at start like the runner itself.
    loaded = require(file);
  } catch (error) {
    throw new ProviderConfigError('module', `cannot load ${JSON.stringify(path)}: ${toError(error).message}`);
  }
  const create = (loaded as { create?: unknown } | null)?.create;
  if (typeof create !== 'function') throw new ProviderConfigError('module', `${JSON.stringify(path)} exports no create(options) function`);
  const frozen = Object.freeze({ ...options });
  const build = (): T => {
    let made: unknown;
    try {
      made = create(frozen);
    } catch (error) {
      throw new Error(`create(options) threw: ${toError(error).message}`);
    }
    const missing = REQUIRED_METHODS[kind].filter((m) => typeof (made as Record<string, unknown> | null)?.[m] !== 'function');
    if (missing.length > 0) throw new Error(`create(options) did not return a ${kind}: it lacks ${missing.join(', ')}`);
    return made as T;
  };
  try {
    build();
  } catch (error) {
    throw new ProviderConfigError('module', `${JSON.stringify(path)}: ${toError(error).message}`);
  }
  return build;
}
