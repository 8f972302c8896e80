import { isTesseraError } from './errors';
import type { OptionCheck } from './option-checks';

/** A configuration problem in a provider or worker entry; `field` is the option at fault, if one is. */
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
  /** Relative file options (a replay's `file`, a `module`) are resolved against this (the config file's folder). */
  readonly baseDir: string;
}

/** One kind of provider or worker: the JSON options it takes (each checked), and how to build it from them. */
export interface EntryType<O, T> {
  readonly options: { readonly [K in keyof O]-?: OptionCheck };
  /** Options the type cannot do without. */
  readonly required?: readonly (keyof O & string)[];
  create(options: O, context: FactoryContext): T;
}

export function defineType<O, T>(type: EntryType<O, T>): EntryType<Record<string, unknown>, T> {
  return type as unknown as EntryType<Record<string, unknown>, T>;
}

/**
 * The factory for an entry of `type` (a `what`: "provider", "worker") built from JSON `options`.
 * Checks every option and builds one instance to surface the type's own validation now, at
 * start, rather than at its first restart. Throws ProviderConfigError naming the field at fault.
 */
export function entryFactory<T>(
  what: string,
  types: ReadonlyMap<string, EntryType<Record<string, unknown>, T>>,
  type: string,
  options: Readonly<Record<string, unknown>>,
  context: FactoryContext,
): () => T {
  const entry = types.get(type);
  if (!entry) throw new ProviderConfigError('type', `unknown ${what} type ${JSON.stringify(type)} (known: ${[...types.keys()].join(', ')})`);
  const known = Object.keys(entry.options);
  for (const [key, value] of Object.entries(options)) {
    const check = (entry.options as Record<string, OptionCheck | undefined>)[key];
    if (!Object.prototype.hasOwnProperty.call(entry.options, key) || !check) {
      throw new ProviderConfigError(key, `unknown option for a ${type} ${what} (it takes ${known.join(', ') || 'none'})`);
    }
    const problem = value === undefined ? undefined : check(value);
    if (problem) throw new ProviderConfigError(key, problem);
  }
  for (const key of entry.required ?? []) {
    if (options[key] === undefined) throw new ProviderConfigError(key, `is required for a ${type} ${what}`);
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
