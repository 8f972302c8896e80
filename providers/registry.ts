import { isAbsolute, resolve } from 'node:path';
import { isTesseraError } from '../common/errors';
import { BinanceProvider, type BinanceOptions } from './binance';
import { BybitProvider, type BybitOptions } from './bybit';
import { checks, type OptionCheck } from '../common/option-checks';
import type { Provider, ProviderFactory } from './contract';
import { EXCHANGE_OPTION_CHECKS } from './exchange/options';
import { OkxProvider, type OkxOptions } from './okx';
import { VENUE_REQUESTS_PER_HOUR } from './okx/options';
import { VENUE_WEIGHT_PER_MINUTE } from './binance/options';
import { ReplayProvider, type ReplayOptions } from './replay';
import { SYNTHETIC_KINDS, SyntheticProvider, type SyntheticOptions } from './synthetic';

/** A configuration problem in a provider entry; `field` is the option at fault, if one is. */
export class ProviderConfigError extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}

export interface FactoryContext {
  /** Relative file options (a replay's `file`) are resolved against this (the config file's folder). */
  readonly baseDir: string;
}

/** One kind of provider: the JSON options it takes (each checked), and how to build it from them. */
interface ProviderType<O> {
  readonly options: { readonly [K in keyof O]-?: OptionCheck };
  /** Options the type cannot do without. */
  readonly required?: readonly (keyof O & string)[];
  create(options: O, context: FactoryContext): Provider;
}

function define<O>(type: ProviderType<O>): ProviderType<Record<string, unknown>> {
  return type as unknown as ProviderType<Record<string, unknown>>;
}

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
const PROVIDER_TYPES: ReadonlyMap<string, ProviderType<Record<string, unknown>>> = new Map([
  ['synthetic', synthetic],
  ['replay', replay],
  ['binance', binance],
  ['bybit', bybit],
  ['okx', okx],
]);

export const PROVIDER_TYPE_NAMES: readonly string[] = [...PROVIDER_TYPES.keys()];

/**
 * The factory for a provider of `type` built from JSON `options`. Checks every option and builds
 * one instance to surface the provider's own validation now, at start, rather than at its first
 * restart. Throws ProviderConfigError naming the field at fault.
 */
export function providerFactory(type: string, options: Readonly<Record<string, unknown>>, context: FactoryContext = { baseDir: process.cwd() }): ProviderFactory {
  const entry = PROVIDER_TYPES.get(type);
  if (!entry) throw new ProviderConfigError('type', `unknown provider type ${JSON.stringify(type)} (known: ${PROVIDER_TYPE_NAMES.join(', ')})`);
  const known = Object.keys(entry.options);
  for (const [key, value] of Object.entries(options)) {
    const check = (entry.options as Record<string, OptionCheck | undefined>)[key];
    if (!Object.prototype.hasOwnProperty.call(entry.options, key) || !check) {
      throw new ProviderConfigError(key, `unknown option for a ${type} provider (it takes ${known.join(', ')})`);
    }
    const problem = value === undefined ? undefined : check(value);
    if (problem) throw new ProviderConfigError(key, problem);
  }
  for (const key of entry.required ?? []) {
    if (options[key] === undefined) throw new ProviderConfigError(key, `is required for a ${type} provider`);
  }
  const frozen = Object.freeze({ ...options });
  try {
    entry.create(frozen, context);
  } catch (error) {
    // A provider may name the option at fault in its error's details (binance does).
    const field = isTesseraError(error) && typeof error.details.field === 'string' ? error.details.field : undefined;
    throw new ProviderConfigError(field, error instanceof Error ? error.message : String(error));
  }
  return () => entry.create(frozen, context);
}
