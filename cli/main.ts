#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { OVERFLOW_POLICIES, type OverflowPolicy } from '../common/service-types';
import { parseServers } from '../cluster/config';
import { ConfigError } from './config';
import { run } from './run';
import { stats } from './stats';
import { subscribe } from './subscribe';

const DEFAULT_URL = 'ws://127.0.0.1:7400';
const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be an integer ${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max}`);
    }
    return value;
  };
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new InvalidArgumentError('must be a positive number');
  return value;
}

/** Runs a command and exits with its code; a refused configuration exits 2, other failures 1. */
function natsServers(text: string): string[] {
  try {
    return parseServers(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function exitWith(work: Promise<number>): void {
  work.then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(error instanceof ConfigError ? 2 : 1);
    },
  );
}

const program = new Command()
  .name('tessera')
  .description('Tessera market-data router: run the service, or subscribe to one that runs.')
  .showHelpAfterError();

program
  .command('run')
  .description('run the service and its WebSocket gateway (prints "listening on ws://HOST:PORT" first)')
  .option('-c, --config <file>', 'JSON configuration file (default: the embedded one, a synthetic provider)')
  .option('--host <host>', 'interface to bind (overrides gateway.host)')
  .option('-p, --port <port>', 'port to listen on, 0 for any free one (overrides gateway.port)', integer(0, 65535))
  .addOption(new Option('--log-level <level>', 'log level (default: LOG_LEVEL, else info)').choices(LOG_LEVELS))
  .option('--nats <servers>', 'join other nodes over NATS: server URL(s), comma-separated (overrides nats.servers)', natsServers)
  .action((opts: { config?: string; host?: string; port?: number; logLevel?: string; nats?: string[] }) => exitWith(run(opts)));

program
  .command('subscribe')
  .description('subscribe to patterns and print the messages (NDJSON on stdout by default)')
  .argument('<pattern...>', 'patterns, e.g. "synthetic::btcusdt.ticks" or "synthetic::*"')
  .option('-u, --url <url>', 'gateway URL', DEFAULT_URL)
  .option('--token <token>', 'gateway token (default: TESSERA_TOKEN)', process.env.TESSERA_TOKEN)
  .option('-n, --count <n>', 'exit after this many messages', integer(1))
  .option('-d, --duration <seconds>', 'exit after this many seconds', positiveNumber)
  .addOption(new Option('-f, --format <format>', 'output format').choices(['ndjson', 'pretty']).default('ndjson'))
  .option('--record <file>', 'also write the messages to a recording the replay provider can play')
  .option('--out-buffer <n>', "the session's out-buffer in messages", integer(1))
  .addOption(new Option('--overflow <policy>', 'what to do when the out-buffer is full').choices(OVERFLOW_POLICIES))
  .action(
    (
      patterns: string[],
      opts: { url: string; token?: string; count?: number; duration?: number; format: 'ndjson' | 'pretty'; record?: string; outBuffer?: number; overflow?: OverflowPolicy },
    ) => exitWith(subscribe(patterns, opts)),
  );

program
  .command('stats')
  .description("print the service's stats as JSON")
  .option('-u, --url <url>', 'gateway URL', DEFAULT_URL)
  .option('--token <token>', 'gateway token (default: TESSERA_TOKEN)', process.env.TESSERA_TOKEN)
  .action((opts: { url: string; token?: string }) => exitWith(stats(opts)));

program.parse();
