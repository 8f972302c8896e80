/** The Binance USD-M futures provider: what the service and its users need, nothing internal. */
export { BinanceProvider, type BinanceStats } from './provider';
export { BINANCE_DEFAULTS, type BinanceOptions } from './options';
