/** Own property names and values of the built-in prototypes, to show fuzzing changed none. */
function prototypeSnapshot(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, proto] of Object.entries({ Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype })) {
    for (const key of Reflect.ownKeys(proto)) out.set(`${name}.${String(key)}`, Object.getOwnPropertyDescriptor(proto, key)?.value);
  }
  return out;
}

/** Fails the file if anything it ran polluted a built-in prototype. */
export function guardPrototypes(): void {
  const before = prototypeSnapshot();
  afterAll(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeSnapshot()).toEqual(before);
  });
}
