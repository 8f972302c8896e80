export { SyntheticProvider, type SyntheticOptions, type SyntheticSnapshot } from './synthetic-provider';
export { SYNTHETIC_KINDS, SYNTHETIC_LIMITS, DEFAULT_SYMBOLS, type SyntheticKind, type SyntheticSymbol } from './streams';
