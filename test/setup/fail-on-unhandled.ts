/**
 * Every suite fails on an unhandled rejection or uncaught exception, even one that surfaces
 * between tests: the service promises none on any fault path.
 */
const escaped: string[] = [];
const record = (kind: string) => (error: unknown) => {
  escaped.push(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
};
const onRejection = record('unhandledRejection');
const onException = record('uncaughtException');
process.on('unhandledRejection', onRejection);
process.on('uncaughtException', onException);

afterEach(async () => {
  // Give rejections created at the end of the test a chance to be reported.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (escaped.length > 0) throw new Error(`escaped the service:\n${escaped.splice(0).join('\n')}`);
});

afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});
