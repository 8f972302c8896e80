import { fork } from 'node:child_process';
import * as os from 'node:os';
import { formatTable, type BenchOptions, type Scenario, type ScenarioReport } from './report';
import { throughput } from './s1-throughput';
import { latency } from './s2-latency';
import { gateway } from './s3-gateway';
import { scale } from './s4-scale';
import { controlPlane } from './s5-control-plane';
import { bars } from './s6-bars';
import { wsFleet } from './s7-ws-fleet';
import { natsLink } from './s8-nats-link';
import { compareNats } from './s9-compare-nats';
import { book } from './s10-book';
import { hasGc } from './stats';

/**
 * `npm run bench` (node --expose-gc dist/tools/bench/run.js [--json] [--only N[,M]] [--quick] [--in-process] [--compare nats]).
 * Each scenario runs in a fresh child process (its own heap and JIT state) beside its baseline;
 * the table goes to stdout, or with `--json` one JSON object per scenario goes to stdout and the
 * table to stderr. `--in-process` runs the scenarios here (for `node --cpu-prof`).
 */
const SCENARIOS: Record<number, Scenario> = { 1: throughput, 2: latency, 3: gateway, 4: scale, 5: controlPlane, 6: bars, 7: wsFleet, 8: natsLink, 9: compareNats, 10: book };
/** Run only when asked for (`--compare nats` or `--only 9`). */
const ON_REQUEST: readonly number[] = [9];

interface Args {
  readonly json: boolean;
  readonly quick: boolean;
  readonly inProcess: boolean;
  readonly only: number[];
  readonly child: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let json = false;
  let quick = false;
  let inProcess = false;
  let child: number | undefined;
  const only: number[] = [];
  const known = Object.keys(SCENARIOS).map(Number);
  const scenarioList = (text: string | undefined, flag: string): number[] => {
    const list = (text ?? '').split(',').map((s) => Number(s.trim()));
    if (list.length === 0 || list.some((n) => !known.includes(n))) throw new Error(`${flag} takes scenario numbers from ${known.join(', ')}, got ${JSON.stringify(text)}`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--in-process') inProcess = true;
    else if (arg === '--only') only.push(...scenarioList(argv[++i], '--only'));
    else if (arg.startsWith('--only=')) only.push(...scenarioList(arg.slice(7), '--only'));
    else if (arg === '--compare') {
      const what = argv[++i];
      if (what !== 'nats') throw new Error(`--compare takes "nats", got ${JSON.stringify(what)}`);
      only.push(9);
    } else if (arg === '--child') child = scenarioList(argv[++i], '--child')[0];
    else throw new Error(`unknown argument ${JSON.stringify(arg)} (use --json, --only N, --quick, --in-process, --compare nats)`);
  }
  return { json, quick, inProcess, only: only.length > 0 ? [...new Set(only)].sort() : known.filter((n) => !ON_REQUEST.includes(n)), child };
}

async function runHere(n: number, options: BenchOptions): Promise<ScenarioReport> {
  const started = performance.now();
  const loadBefore = os.loadavg()[0];
  const report = await SCENARIOS[n](options);
  return { ...report, elapsedMs: Math.round(performance.now() - started), loadavg: [loadBefore, os.loadavg()[0]] };
}

function runInChild(n: number, options: BenchOptions): Promise<ScenarioReport> {
  const execArgv = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const child = fork(__filename, ['--child', String(n), ...(options.quick ? ['--quick'] : [])], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let report: ScenarioReport | undefined;
    child.on('message', (msg) => (report = msg as ScenarioReport));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report !== undefined) resolve(report);
      else reject(new Error(`scenario ${n} exited with ${signal ?? `code ${code}`} before reporting`));
    });
  });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const options: BenchOptions = { quick: args.quick };
  if (args.child !== undefined) {
    const report = await runHere(args.child, options);
    await new Promise<void>((resolve, reject) => process.send!(report, (error: Error | null) => (error ? reject(error) : resolve())));
    return 0;
  }
  const note = (text: string): void => void process.stderr.write(`${text}\n`);
  note(`tessera bench: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${args.quick ? 'quick' : 'full'} run, scenarios ${args.only.join(', ')}`);
  if (args.inProcess && !hasGc()) note('warning: run with node --expose-gc for heap figures');
  const reports: ScenarioReport[] = [];
  let failed = false;
  for (const n of args.only) {
    note(`scenario ${n}…`);
    try {
      const report = args.inProcess ? await runHere(n, options) : await runInChild(n, options);
      reports.push(report);
      if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      note(`scenario ${n} done in ${((report.elapsedMs ?? 0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed = true;
      note(`scenario ${n} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  const cores = os.cpus().length;
  const busiest = Math.max(0, ...reports.flatMap((r) => r.loadavg ?? []));
  const busy = busiest > cores - 0.5 ? `\nThe machine was busy (1-minute load up to ${busiest.toFixed(1)} on ${cores} cores): other processes took CPU time from these runs.\n` : '';
  const table = formatTable(reports) + busy;
  if (args.json) note(`\n${table}`);
  else process.stdout.write(`\n${table}\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
