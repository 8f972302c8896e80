/**
 * The link's binary value format: one tag byte, then what the tag says (integers little-endian).
 *
 *   NULL | FALSE | TRUE                       nothing more
 *   I32 int32 | F64 float64                   a number (JSON's null for NaN and ±Infinity)
 *   STR8  u8 n, n latin-1 bytes              STR32 u32 n, n latin-1 bytes
 *   STR16 u32 n, n UTF-16LE code units       (a string with a char past U+00FF)
 *   LIST  u32 n, n values
 *   NEW_SHAPE u32 k, k strings, k members    an object whose layout (keys in order) is new in this batch
 *   SHAPE8 u8 id | SHAPE u16 id, k members    an object of the batch's layout number `id`
 *   REPEAT                                    as a member: the same number, string, boolean or null as
 *                                             that member of the previous object of this layout
 *   CLEAR                                     before a payload: no member has a previous value to repeat
 *   JSON_TEXT u32 n, n bytes of UTF-8 JSON     what JSON treats specially, carried as JSON does
 *   BYTES u32 n, n raw bytes                   a Uint8Array payload (top level only)
 *
 * Layouts and repeats are what make a batch of similar objects small: keys once per batch, and
 * a symbol or side that does not change is one byte.
 */
export const NULL = 0;
export const FALSE = 1;
export const TRUE = 2;
export const I32 = 3;
export const F64 = 4;
export const STR8 = 5;
export const STR32 = 6;
export const STR16 = 7;
export const LIST = 8;
export const NEW_SHAPE = 9;
export const SHAPE8 = 10;
export const SHAPE = 11;
export const REPEAT = 12;
export const CLEAR = 13;
export const JSON_TEXT = 14;
export const BYTES = 15;

/** Layouts per batch (ids are u16). */
export const MAX_SHAPES = 65_535;
/** Values nested deeper than this go as JSON text (so a cycle ends in JSON's own error). */
export const NEST_LIMIT = 32;
