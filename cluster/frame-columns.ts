import type { ValueWriter } from './value-writer';

/**
 * seq, ts and eventTs of a batch, each as one column in the cheapest of these forms (modes):
 *
 *   NONE                                  every value absent (eventTs only)
 *   STEP  f64 first, f64 step             value i is first + i × step (seq counting on, one ts)
 *   DELTA f64 first, count × u16          value i is first + delta i (ts over a few seconds)
 *   EACH  count × f64                     anything else (NaN for an absent eventTs)
 *
 * The writer checks each form exactly as the reader computes it, so the values cross unchanged.
 */
const NONE = 0;
const STEP = 1;
const DELTA = 2;
const EACH = 3;

function modeOf(values: Float64Array, n: number, absentAllowed: boolean): number {
  const first = values[0];
  if (Number.isNaN(first)) {
    for (let i = 1; i < n; i++) if (!Number.isNaN(values[i])) return EACH;
    return absentAllowed ? NONE : EACH;
  }
  const step = n > 1 ? values[1] - first : 0;
  let stepped = Number.isFinite(step);
  let delta = true;
  for (let i = 0; i < n && (stepped || delta); i++) {
    const v = values[i];
    if (stepped && !Object.is(first + i * step, v)) stepped = false;
    const d = v - first;
    if (delta && !(d >= 0 && d < 65_536 && (d | 0) === d && Object.is(first + d, v))) delta = false;
  }
  return stepped ? STEP : delta ? DELTA : EACH;
}

/** Writes the first `n` of `values` (NaN for absent, which only eventTs may be wholly). */
export function writeColumn(w: ValueWriter, values: Float64Array, n: number, absentAllowed: boolean): void {
  const mode = n === 0 ? NONE : modeOf(values, n, absentAllowed);
  w.bytes[w.reserve(1)] = mode;
  if (mode === NONE) return;
  const first = values[0];
  if (mode === STEP) {
    const at = w.reserve(16);
    w.data.setFloat64(at, first, true);
    w.data.setFloat64(at + 8, n > 1 ? values[1] - first : 0, true);
  } else if (mode === DELTA) {
    let at = w.reserve(8 + 2 * n);
    w.data.setFloat64(at, first, true);
    at += 8;
    for (let i = 0; i < n; i++, at += 2) w.data.setUint16(at, values[i] - first, true);
  } else {
    let at = w.reserve(8 * n);
    for (let i = 0; i < n; i++, at += 8) w.data.setFloat64(at, values[i], true);
  }
}

/** Reads a column written by `writeColumn` into `out`; returns where the next one starts. */
export function readColumn(view: DataView, at: number, out: Float64Array): number {
  const n = out.length;
  const need = (bytes: number): void => {
    if (at + bytes > view.byteLength) throw new Error(`a column of ${n} values runs past the end of the batch`);
  };
  need(1);
  const mode = view.getUint8(at++);
  switch (mode) {
    case NONE:
      out.fill(Number.NaN);
      return at;
    case STEP: {
      need(16);
      const first = view.getFloat64(at, true);
      const step = view.getFloat64(at + 8, true);
      for (let i = 0; i < n; i++) out[i] = first + i * step;
      return at + 16;
    }
    case DELTA: {
      need(8 + 2 * n);
      const first = view.getFloat64(at, true);
      at += 8;
      for (let i = 0; i < n; i++, at += 2) out[i] = first + view.getUint16(at, true);
      return at;
    }
    case EACH:
      need(8 * n);
      for (let i = 0; i < n; i++, at += 8) out[i] = view.getFloat64(at, true);
      return at;
    default:
      throw new Error(`unknown column mode ${mode}`);
  }
}
