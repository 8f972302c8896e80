/**
 * The `default` of every exhaustive protocol switch: adding a member to the union makes the switch
 * fail to compile until it is handled. Reaching it at run time means a value outside the type.
 */
export function assertNever(value: never, what = 'value'): never {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  throw new Error(`unexpected ${what}: ${text.slice(0, 120)}`);
}
