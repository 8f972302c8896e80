import { checks } from '../common/option-checks';
import { defineType, entryFactory, type EntryType, type FactoryContext } from '../common/type-registry';
import { BarsWorker, type BarsOptions } from './bars/bars-worker';
import { BooksWorker, type BooksOptions } from './books/books-worker';
import type { Worker, WorkerFactory } from './contract';
import type { DerivedWorkerOptions } from './derived-worker';

const define = <O>(type: EntryType<O, Worker>): EntryType<Record<string, unknown>, Worker> => defineType(type);

const DERIVED_OPTIONS: { readonly [K in keyof DerivedWorkerOptions]-?: (value: unknown) => string | undefined } = {
  graceMs: checks.integer(0),
  eventTimeOnly: checks.arrayOf(checks.string),
  checkEveryMs: checks.integer(1),
};

/** Worker types by the name a configuration file's `workers[].type` uses. */
const WORKER_TYPES: ReadonlyMap<string, EntryType<Record<string, unknown>, Worker>> = new Map([
  ['bars', define<BarsOptions>({ options: DERIVED_OPTIONS, create: (options) => new BarsWorker(options) })],
  ['books', define<BooksOptions>({ options: DERIVED_OPTIONS, create: (options) => new BooksWorker(options) })],
]);

export const WORKER_TYPE_NAMES: readonly string[] = [...WORKER_TYPES.keys()];

/** The factory for a worker of `type` built from JSON `options`, every option checked; throws ProviderConfigError naming the field. */
export function workerFactory(type: string, options: Readonly<Record<string, unknown>>, context: FactoryContext = { baseDir: process.cwd() }): WorkerFactory {
  return entryFactory('worker', WORKER_TYPES, type, options, context);
}
