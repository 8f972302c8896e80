#!/usr/bin/env node
import { parseSoakArgs } from './options';
import { formatReport } from './report';
import { runSoak } from './soak';

/** `npm run soak [-- --seconds N --seed S --json]`: exit 0 when every invariant holds, 1 if not, 2 on bad arguments. */
async function main(): Promise<number> {
  let options;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (!options.json) process.stderr.write(`soak: ${options.seconds} s of chaos, seed ${options.seed}…\n`);
  const report = await runSoak(options);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`soak failed to run: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
