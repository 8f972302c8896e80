import { isAbsolute, resolve } from 'node:path';
import { defineType, entryFactory, type EntryType, type FactoryContext } from '../common/type-registry';
import { BinanceProvider, type BinanceOptions } from './binance';
import { BybitProvider, type BybitOptions } from './bybit';
import { checks } from '../common/option-checks';
import type { Provider, ProviderFactory } from './contract';
import { EXCHANGE_OPTION_CHECKS } from './exchange/options';
import { OkxProvider, type OkxOptions } from './okx';
import { VENUE_REQUESTS_PER_HOUR } from './okx/options';
import { VENUE_WEIGHT_PER_MINUTE } from './binance/options';
import { ReplayProvider, type ReplayOptions } from './replay';
import { SYNTHETIC_KINDS, SyntheticProvider, type SyntheticOptions } from './synthetic';

export { ProviderConfigError, type FactoryContext } from '../common/type-registry';

const define = <O>(type: EntryType<O, Provider>): EntryType<Record<string, unknown>, Provider> => defineType(type);

const synthetic = define<SyntheticOptions>({
  options: {
    seed: checks.either(checks.number, checks.string, 'a number or a string'),
    symbols: checks.arrayOf(checks.either(checks.string, checks.object, 'a symbol name or { "symbol", "price"? }')),
    kinds: checks.arrayOf(checks.oneOf(...SYNTHETIC_KINDS)),
    defaultRate: checks.number,
    emitMode: checks.oneOf('timer', 'manual'),
    tickMs: checks.integer(1),
  },
  create: (options) => new SyntheticProvider(options),
});

const replay = define<ReplayOptions>({
  options: {
    file: checks.string,
    pace: checks.oneOf('recorded', 'fast'),
    speed: checks.number,
    loop: checks.boolean,
    chunkSize: checks.integer(1),
    maxBadLineLogs: checks.integer(0),
  },
  required: ['file'],
  create: (options, { baseDir }) => new ReplayProvider({ ...options, file: isAbsolute(options.file) ? options.file : resolve(baseDir, options.file) }),
});

/** `random` is for tests only; everything else can come from a configuration file. */
const binance = define<Omit<BinanceOptions, 'random'>>({
  options: { ...EXCHANGE_OPTION_CHECKS, restUrl: checks.string, depthWeightPerMinute: checks.integer(20, VENUE_WEIGHT_PER_MINUTE), snapshotTimeoutMs: checks.integer(1) },
  create: (options) => new BinanceProvider(options),
});

const bybit = define<Omit<BybitOptions, 'random'>>({
  options: EXCHANGE_OPTION_CHECKS,
  create: (options) => new BybitProvider(options),
});

const okx = define<Omit<OkxOptions, 'random'>>({
  options: { ...EXCHANGE_OPTION_CHECKS, requestsPerHour: checks.integer(1, VENUE_REQUESTS_PER_HOUR) },
  create: (options) => new OkxProvider(options),
});

/** Provider types by the name a configuration file uses in `type`. */
const PROVIDER_TYPES: ReadonlyMap<string, EntryType<Record<string, unknown>, Provider>> = new Map([
  ['synthetic', synthetic],
  ['replay', replay],
  ['binance', binance],
  ['bybit', bybit],
  ['okx', okx],
]);

export const PROVIDER_TYPE_NAMES: readonly string[] = [...PROVIDER_TYPES.keys()];

/**
 * The factory for a provider of `type` built from JSON `options`, checked (see `entryFactory`).
 * Throws ProviderConfigError naming the field at fault.
 */
export function providerFactory(type: string, options: Readonly<Record<string, unknown>>, context: FactoryContext = { baseDir: process.cwd() }): ProviderFactory {
  return entryFactory('provider', PROVIDER_TYPES, type, options, context);
}
