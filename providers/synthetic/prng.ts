/** 32-bit FNV-1a: spreads a seed string into a PRNG state; not for security. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A random source in [0, 1); the same state always gives the same sequence. */
export type Random = () => number;

/**
 * A small 32-bit generator (the mulberry32 construction): fast, seedable and plenty for
 * synthetic market data. Written out here so the sequence never depends on a library version.
 */
export function seededRandom(state: number): Random {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
