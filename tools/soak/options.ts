/** What a soak run is told; every field has a default so `npm run soak` needs no arguments. */
export interface SoakOptions {
  /** Chaos phase length; checks and teardown come on top. */
  readonly seconds: number;
  readonly seed: string;
  /** The chaos phase also ends after this many operations. */
  readonly maxOps: number;
  /** Concurrent operation loops. */
  readonly workers: number;
  /** Simulated clients of each kind (library API, WebSocket). */
  readonly libClients: number;
  readonly wsClients: number;
  /** Clients of the client library, whose sockets the chaos cuts (they reconnect on their own). */
  readonly reconnectClients: number;
  readonly json: boolean;
  /** Service log level (`silent` by default: the soak reports for itself). */
  readonly logLevel: string;
  /** Where to write a heap snapshot taken after stop and the heap measurement, with the baseline's beside it (none when empty). */
  readonly heapSnapshot: string;
}

export const DEFAULT_SOAK: SoakOptions = {
  seconds: 60,
  seed: '1',
  maxOps: 1_000_000,
  workers: 6,
  libClients: 8,
  wsClients: 8,
  reconnectClients: 3,
  json: false,
  logLevel: 'silent',
  heapSnapshot: '',
};

const USAGE = 'usage: soak [--seconds N] [--seed S] [--ops N] [--workers N] [--lib-clients N] [--ws-clients N] [--reconnect-clients N] [--json] [--log-level L] [--heap-snapshot FILE]';

/** Parses command-line arguments; throws with the usage line on anything it does not know. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const out: { -readonly [K in keyof SoakOptions]: SoakOptions[K] } = { ...DEFAULT_SOAK };
  const count = (flag: string, text: string | undefined, min: number): number => {
    const n = Number(text);
    if (text === undefined || !Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number ≥ ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--seconds':
        out.seconds = count(flag, argv[++i], 0.1);
        break;
      case '--seed':
        if (argv[i + 1] === undefined) throw new Error(`--seed needs a value\n${USAGE}`);
        out.seed = argv[++i];
        break;
      case '--ops':
        out.maxOps = Math.floor(count(flag, argv[++i], 1));
        break;
      case '--workers':
        out.workers = Math.floor(count(flag, argv[++i], 1));
        break;
      case '--lib-clients':
        out.libClients = Math.floor(count(flag, argv[++i], 0));
        break;
      case '--ws-clients':
        out.wsClients = Math.floor(count(flag, argv[++i], 0));
        break;
      case '--reconnect-clients':
        out.reconnectClients = Math.floor(count(flag, argv[++i], 0));
        break;
      case '--json':
        out.json = true;
        break;
      case '--log-level':
        if (argv[i + 1] === undefined) throw new Error(`--log-level needs a value\n${USAGE}`);
        out.logLevel = argv[++i];
        break;
      case '--heap-snapshot':
        if (argv[i + 1] === undefined) throw new Error(`--heap-snapshot needs a file\n${USAGE}`);
        out.heapSnapshot = argv[++i];
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument "${flag}"\n${USAGE}`);
    }
  }
  return out;
}
