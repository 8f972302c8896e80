export type { InputMessage, Worker, WorkerContext, WorkerFactory } from './contract';
export { DerivedWorker, type Derivation, type DerivedWorkerOptions, type Emit } from './derived-worker';
export { BarsWorker, type BarsOptions } from './bars/bars-worker';
export { BarAggregator, type Bar, type BarCut } from './bars/aggregator';
export { BooksWorker, type BooksOptions } from './books/books-worker';
export type { TopOfBook } from './books/book-sampler';
