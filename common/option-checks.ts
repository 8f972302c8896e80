/** Checks one JSON value; returns what is wrong with it ("must be …"), or undefined. */
export type OptionCheck = (value: unknown) => string | undefined;

/** Small checks shared by the provider registry, the configuration file and the cluster settings. */
export const checks = {
  string: (value: unknown) => (typeof value === 'string' && value.length > 0 ? undefined : 'must be a non-empty string'),
  boolean: (value: unknown) => (typeof value === 'boolean' ? undefined : 'must be true or false'),
  number: (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number'),
  integer:
    (min: number, max = Number.MAX_SAFE_INTEGER): OptionCheck =>
    (value) =>
      typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
        ? undefined
        : `must be an integer ${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max}`.replace(/\.\.$/, ' or more'),
  oneOf:
    (...allowed: readonly string[]): OptionCheck =>
    (value) =>
      typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
  either:
    (a: OptionCheck, b: OptionCheck, what: string): OptionCheck =>
    (value) =>
      a(value) === undefined || b(value) === undefined ? undefined : `must be ${what}`,
  arrayOf:
    (item: OptionCheck): OptionCheck =>
    (value) => {
      if (!Array.isArray(value)) return 'must be an array';
      for (let i = 0; i < value.length; i++) {
        const problem = item(value[i]);
        if (problem) return `[${i}] ${problem}`;
      }
      return undefined;
    },
  object: (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object'),
};
