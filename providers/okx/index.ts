export { OkxProvider, type OkxStats } from './provider';
export { OKX_DEFAULTS, type OkxOptions } from './options';
