/** The Bybit v5 public linear provider: what the service and its users need, nothing internal. */
export { BybitProvider, type BybitStats } from './provider';
export { BYBIT_DEFAULTS, type BybitOptions } from './options';
