import { checks, type OptionCheck } from './option-checks';

/**
 * Reads one JSON object of the configuration file, collecting every problem as
 * `path.field: what is wrong` instead of stopping at the first, so one run shows them all.
 */
export class Fields {
  private readonly value: Readonly<Record<string, unknown>>;
  private readonly seen = new Set<string>();

  constructor(
    value: unknown,
    readonly path: string,
    private readonly issues: string[],
  ) {
    const problem = checks.object(value);
    if (problem && value !== undefined) issues.push(`${path}: ${problem}`);
    this.value = problem ? {} : (value as Record<string, unknown>);
  }

  /** `path.key` (or `key` at the top level). */
  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.value, key);
  }

  /** The field's raw value, marked as known; use when the caller checks it itself. */
  raw(key: string): unknown {
    this.seen.add(key);
    return this.has(key) ? this.value[key] : undefined;
  }

  /** The field if present and valid, else `fallback` (an invalid one is recorded as an issue). */
  get<T>(key: string, check: OptionCheck, fallback: T): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const problem = check(value);
    if (problem) {
      this.issue(key, problem);
      return fallback;
    }
    return value as T;
  }

  optional<T>(key: string, check: OptionCheck): T | undefined {
    return this.get<T | undefined>(key, check, undefined);
  }

  issue(key: string, problem: string): void {
    this.issues.push(`${this.at(key)}: ${problem}`);
  }

  /** Records every field nobody asked for: a typo should not be silently ignored. */
  done(): void {
    for (const key of Object.keys(this.value)) if (!this.seen.has(key)) this.issue(key, 'unknown field');
  }

  /** Everything in the object except the named keys (a provider's own options). */
  rest(except: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.value)) if (!except.includes(key)) out[key] = value;
    return out;
  }
}
