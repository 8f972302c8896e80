import type { Identifier } from '../../router/identifier';
import type { StreamPayload } from '../exchange/connection-types';
import { expandPattern } from '../exchange/expand';
import { ExchangeProvider, type ExchangeStats, type StreamRef } from '../exchange/provider';
import { BybitConnection } from './connection';
import { bybitBook } from './book';
import { bybitNormalizer } from './normalize';
import { resolveOptions, type BybitOptions } from './options';
import { KINDS, topicOf } from './topics';

export type BybitStats = ExchangeStats;

/** Every topic lives on the linear endpoint. */
const ENDPOINT = 'linear';

/**
 * Bybit v5 public linear streams (USDT and USDC perpetuals and futures) over websockets; see
 * README.md beside this file. Identifiers are `<namespace>::<symbol>.<kind>[params]`.
 */
export class BybitProvider extends ExchangeProvider<BybitConnection> {
  constructor(options: BybitOptions = {}) {
    const o = resolveOptions(options);
    const catalogue = new Set(o.symbols);
    const streamOf = (id: Identifier): StreamRef => {
      const ref = topicOf(id, catalogue);
      if (!ref.ok) return ref;
      return ref.normalized ? { ok: true, stream: ref.topic, endpoint: ENDPOINT, normalized: ref.normalized } : { ok: true, stream: ref.topic, endpoint: ENDPOINT };
    };
    super(
      {
        name: 'bybit',
        streamOf,
        expand: (pattern) => expandPattern(pattern, o.symbols, KINDS, (id) => streamOf(id).ok),
        eventTime,
        normalizer: bybitNormalizer,
        book: bybitBook,
        connect: (endpoint, host, settings) => new BybitConnection(host, settings, endpoint, o.baseUrl),
      },
      o,
    );
  }
}

/** A push's `ts`: when Bybit's system made the data. */
function eventTime(payload: StreamPayload): number | undefined {
  return !Array.isArray(payload) && typeof payload.ts === 'number' ? payload.ts : undefined;
}
