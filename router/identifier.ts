import { TesseraError, type ErrorCode } from '../common/errors';

/** Identifier limits (README, "Identifiers and patterns"). Lengths count Unicode code points, not UTF-16 units. */
export const MAX_NAME_LENGTH = 64;
export const MAX_TAGS = 32;
export const MAX_LENGTH = 512;
/** Longest raw text that could still be valid: `tag[]` adds 2 per tag; a code point is ≤ 2 units. */
const MAX_INPUT_UNITS = 2 * (MAX_LENGTH + 2 * MAX_TAGS);

export interface Tag {
  readonly name: string;
  /** Empty map = no params; iterates sorted by key. */
  readonly params: ReadonlyMap<string, string>;
}

/** Where a parse is failing: the error code and a short quote of the input for messages. */
export interface Syntax {
  readonly code: ErrorCode;
  readonly what: 'identifier' | 'pattern';
  readonly input?: string;
}

/** One dot-separated part as written; `entries` are the raw `;`-separated bracket contents. */
export interface RawTag {
  readonly where: string;
  readonly text: string;
  readonly name: string;
  readonly entries: readonly string[];
}

const NAMESPACE = /^[A-Za-z0-9_-]+$/;
const KEY = /^[A-Za-z0-9_-]+$/;
// Unicode White_Space plus BOM; controls and lone surrogates are refused everywhere (logs, NDJSON).
const BAD_NAME = /[\p{White_Space}\uFEFF\p{Cc}\p{Cs}.:[\];=*,]/u;
const BAD_VALUE = /[\p{Cc}\p{Cs}[\];=]/u;
const SPACE = /[\p{White_Space}\uFEFF]/u;
const EDGE_SPACE = /^[\p{White_Space}\uFEFF]|[\p{White_Space}\uFEFF]$/u;

// The grammar helpers below are shared with pattern.ts; the package entry does not re-export them.

export function fail(syntax: Syntax, detail: string): never {
  const quoted = syntax.input === undefined ? '' : ` ${quote(syntax.input)}`;
  throw new TesseraError(syntax.code, `invalid ${syntax.what}${quoted}: ${detail}`, {
    details: syntax.input === undefined ? {} : { input: syntax.input },
  });
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function describe(ch: string): string {
  const hex = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/\p{Cc}/u.test(ch)) return `a control character (${hex})`;
  if (SPACE.test(ch)) return `whitespace (${hex})`;
  if (/\p{Cs}/u.test(ch)) return `an unpaired surrogate (${hex})`;
  return `the reserved character "${ch}"`;
}

export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** Code-point order (JS `<` on strings is UTF-16 order, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return shiftSurrogates(x) - shiftSurrogates(y);
  }
  return a.length - b.length;
}

function shiftSurrogates(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit >= 0xd800 ? unit + 0x2000 : unit;
}

/** Splits `ns::a.b[k=v;k2=v2]` into its parts in one linear pass; validates nothing inside tags. */
export function splitText(text: string, code: ErrorCode, what: Syntax['what']): { syntax: Syntax; namespace: string; tags: RawTag[] } {
  if (typeof text !== 'string') fail({ code, what }, `expected a string, got ${typeof text}`);
  if (text.length > MAX_INPUT_UNITS) fail({ code, what }, `input is ${text.length} chars long; the limit is ${MAX_LENGTH}`);
  const syntax: Syntax = { code, what, input: text };
  const sep = text.indexOf('::');
  if (sep < 0) fail(syntax, 'missing "::" between namespace and tags');
  const namespace = checkNamespace(text.slice(0, sep), syntax);
  if (sep + 2 === text.length) fail(syntax, 'nothing after "::"');

  const tags: RawTag[] = [];
  let start = sep + 2;
  let open = -1;
  let close = -1;
  const where = (end: number) => `tag ${tags.length + 1} (${quote(text.slice(start, end))})`;
  for (let i = start; i <= text.length; i++) {
    const c = i < text.length ? text[i] : '';
    if (open >= 0 && close < 0) {
      if (c === ']') close = i;
      else if (c === '[') fail(syntax, `${where(i + 1)}: "[" inside brackets`);
      else if (c === '') fail(syntax, `${where(i)}: "[" is never closed`);
      continue;
    }
    if (c === '.' || c === '') {
      if (i === start) fail(syntax, `tag ${tags.length + 1} is empty`);
      if (tags.length === MAX_TAGS) fail(syntax, `more than ${MAX_TAGS} tags`);
      const body = open >= 0 ? text.slice(open + 1, close) : '';
      tags.push({
        where: where(i),
        text: text.slice(start, i),
        name: text.slice(start, open >= 0 ? open : i),
        entries: body === '' ? [] : body.split(';'),
      });
      start = i + 1;
      open = close = -1;
    } else if (close >= 0) fail(syntax, `${where(i + 1)}: text after "]"`);
    else if (c === '[') open = i;
    else if (c === ']') fail(syntax, `${where(i + 1)}: "]" without "["`);
  }
  return { syntax, namespace, tags };
}

/** Returns the namespace lower-cased (ASCII only: `'\u212A'.toLowerCase()` is "k"). */
export function checkNamespace(raw: string, syntax: Syntax): string {
  if (typeof raw !== 'string' || raw === '') fail(syntax, 'empty namespace');
  if (raw.length > MAX_NAME_LENGTH) fail(syntax, `namespace is ${raw.length} chars long; the limit is ${MAX_NAME_LENGTH}`);
  if (!NAMESPACE.test(raw)) fail(syntax, `namespace ${quote(raw)} may only contain a-z 0-9 _ -`);
  return raw.toLowerCase();
}

export function checkTagName(name: string, where: string, syntax: Syntax): void {
  if (typeof name !== 'string' || name === '') fail(syntax, `${where}: empty tag name`);
  const length = codePointLength(name);
  if (length > MAX_NAME_LENGTH) fail(syntax, `${where}: tag name is ${length} chars long; the limit is ${MAX_NAME_LENGTH}`);
  const bad = BAD_NAME.exec(name);
  if (bad) fail(syntax, `${where}: tag name contains ${describe(bad[0])}`);
}

/** Splits one raw `key=value` entry. */
export function splitEntry(entry: string, where: string, syntax: Syntax): [string, string] {
  if (entry === '') fail(syntax, `${where}: empty param`);
  const eq = entry.indexOf('=');
  if (eq < 0) fail(syntax, `${where}: param ${quote(entry)} has no "="`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** Validates params and returns them as a Map sorted by key; duplicate keys are an error. */
export function paramMap(pairs: Iterable<readonly [string, string]>, where: string, syntax: Syntax): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [key, value] of pairs) {
    if (typeof key !== 'string' || key === '') fail(syntax, `${where}: empty param key`);
    if (!KEY.test(key)) fail(syntax, `${where}: param key ${quote(key)} may only contain A-Z a-z 0-9 _ -`);
    if (typeof value !== 'string') fail(syntax, `${where}: param value for key "${key}" is not a string`);
    if (value === '') fail(syntax, `${where}: empty param value for key "${key}"`);
    const bad = BAD_VALUE.exec(value);
    if (bad) fail(syntax, `${where}: param value for key "${key}" contains ${describe(bad[0])}`);
    if (EDGE_SPACE.test(value)) fail(syntax, `${where}: param value for key "${key}" has leading or trailing whitespace`);
    if (seen.has(key)) fail(syntax, `${where}: duplicate param key "${key}"`);
    seen.set(key, value);
  }
  if (seen.size < 2) return seen;
  return new Map([...seen].sort((a, b) => compareCodePoints(a[0], b[0])));
}

/** `name` or `name[k=v;k2=v2]`; `extra` is appended inside the brackets (a pattern's `*`). */
export function formatTag(name: string, params: ReadonlyMap<string, string>, extra?: string): string {
  if (params.size === 0 && extra === undefined) return name;
  const parts: string[] = [];
  for (const [key, value] of params) parts.push(`${key}=${value}`);
  if (extra !== undefined) parts.push(extra);
  return `${name}[${parts.join(';')}]`;
}

export function checkLength(canonical: string, syntax: Syntax): void {
  const length = codePointLength(canonical);
  if (length > MAX_LENGTH) fail(syntax, `canonical form is ${length} chars long; the limit is ${MAX_LENGTH}`);
}

interface TagInput {
  readonly where: string;
  readonly name: string;
  readonly params: Iterable<readonly [string, string]>;
}

/** The class's validating build path, opened (by the static block below) to `parseIdentifier` only. */
let assemble: (namespace: string, inputs: readonly TagInput[], syntax: Syntax) => Identifier;

/** A stream's name: a namespace and a set of tags. Immutable; build with `parseIdentifier` or `Identifier.of`. */
export class Identifier {
  readonly canonical: string;

  private constructor(
    readonly namespace: string,
    readonly tags: readonly Tag[],
  ) {
    this.canonical = `${namespace}::${tags.map((t) => formatTag(t.name, t.params)).join('.')}`;
  }

  toString(): string {
    return this.canonical;
  }

  tag(name: string): Tag | undefined {
    for (const t of this.tags) if (t.name === name) return t;
    return undefined;
  }

  /** Build from parts, validated exactly like parsing; e.g. Identifier.of('binance', { btcusdt: {}, kline: { interval: '1m' } }) */
  static of(namespace: string, tags: Readonly<Record<string, Readonly<Record<string, string>>>>): Identifier {
    const syntax: Syntax = { code: 'INVALID_IDENTIFIER', what: 'identifier' };
    if (typeof tags !== 'object' || tags === null) fail(syntax, 'tags must be an object');
    const inputs = Object.entries(tags).map(([name, params]) => {
      const where = `tag ${quote(name)}`;
      if (typeof params !== 'object' || params === null) fail(syntax, `${where}: params must be an object`);
      return { where, name, params: Object.entries(params) };
    });
    return Identifier.assemble(checkNamespace(namespace, syntax), inputs, syntax);
  }

  /** Build from Tag objects (e.g. a pattern's constraints), validated like parsing. */
  static fromTags(namespace: string, tags: Iterable<Tag>): Identifier {
    const syntax: Syntax = { code: 'INVALID_IDENTIFIER', what: 'identifier' };
    const inputs = [...tags].map((t) => ({ where: `tag ${quote(String(t.name))}`, name: t.name, params: t.params }));
    return Identifier.assemble(checkNamespace(namespace, syntax), inputs, syntax);
  }

  static {
    assemble = (namespace, inputs, syntax) => Identifier.assemble(namespace, inputs, syntax);
  }

  private static assemble(namespace: string, inputs: readonly TagInput[], syntax: Syntax): Identifier {
    if (inputs.length === 0) fail(syntax, 'no tags');
    if (inputs.length > MAX_TAGS) fail(syntax, `${inputs.length} tags; the limit is ${MAX_TAGS}`);
    const seen = new Map<string, Tag>();
    for (const input of inputs) {
      checkTagName(input.name, input.where, syntax);
      const params = paramMap(input.params, input.where, syntax);
      if (seen.has(input.name)) fail(syntax, `${input.where}: duplicate tag "${input.name}"`);
      seen.set(input.name, Object.freeze({ name: input.name, params }));
    }
    const sorted = [...seen.values()].sort((a, b) => compareCodePoints(a.name, b.name));
    const id = new Identifier(namespace, Object.freeze(sorted));
    checkLength(id.canonical, syntax);
    return Object.freeze(id);
  }
}

/** Parses and canonicalises an identifier; throws TesseraError `INVALID_IDENTIFIER` saying what and where. */
export function parseIdentifier(text: string): Identifier {
  const { syntax, namespace, tags } = splitText(text, 'INVALID_IDENTIFIER', 'identifier');
  const inputs = tags.map((raw) => {
    checkTagName(raw.name, raw.where, syntax);
    return { where: raw.where, name: raw.name, params: raw.entries.map((e) => splitEntry(e, raw.where, syntax)) };
  });
  return assemble(namespace, inputs, syntax);
}
