import type { SideCursor } from './book-side';
import type { OrderBook } from './order-book';

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-32 (the zlib/IEEE polynomial) of an ASCII string, continued from `crc` (a running, inverted value). */
export function crc32Continue(crc: number, text: string): number {
  for (let i = 0; i < text.length; i++) crc = TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return crc;
}

/** CRC-32 of an ASCII string as an unsigned 32-bit number. */
export function crc32(text: string): number {
  return (crc32Continue(-1, text) ^ -1) >>> 0;
}

/** How many levels per side OKX's checksum covers. */
export const OKX_CHECKSUM_DEPTH = 25;

/**
 * The OKX v5 order-book checksum (books channels, "Checksum" in the WebSocket order book docs):
 * the best 25 bids and asks interleaved as `bidPx:bidSz:askPx:askSz:…` (a side that runs out
 * just stops contributing), using the venue's own texts of each level, CRC-32 of that string
 * as a signed 32-bit integer. The string is never built: the CRC runs over its pieces.
 */
export function okxChecksum(book: OrderBook): number {
  let crc = -1;
  const b = book.bids.cursor.reset();
  const a = book.asks.cursor.reset();
  let first = true;
  for (let i = 0; i < OKX_CHECKSUM_DEPTH && (b.valid || a.valid); i++) {
    if (b.valid) {
      crc = piece(crc, b, first);
      first = false;
      b.next();
    }
    if (a.valid) {
      crc = piece(crc, a, first);
      first = false;
      a.next();
    }
  }
  return (crc ^ -1) | 0;
}

function piece(crc: number, c: SideCursor, first: boolean): number {
  if (!first) crc = crc32Continue(crc, ':');
  crc = crc32Continue(crc, c.priceText ?? String(c.price));
  crc = crc32Continue(crc, ':');
  return crc32Continue(crc, c.amountText ?? String(c.amount));
}

/** The string OKX's checksum is taken over (for tests and fakes; the hot path never builds it). */
export function okxChecksumText(bids: readonly (readonly string[])[], asks: readonly (readonly string[])[]): string {
  const parts: string[] = [];
  for (let i = 0; i < OKX_CHECKSUM_DEPTH && (i < bids.length || i < asks.length); i++) {
    if (i < bids.length) parts.push(`${bids[i][0]}:${bids[i][1]}`);
    if (i < asks.length) parts.push(`${asks[i][0]}:${asks[i][1]}`);
  }
  return parts.join(':');
}
