import { parseIdentifier, type Identifier } from '../router/identifier';
import type { Pattern } from '../router/pattern';

/**
 * Maps an imported provider's streams between the exporter's namespace and the local one it
 * is mounted under (`binance::btcusdt.trade` ↔ `remote-binance::btcusdt.trade`). Canonical
 * forms differ only in the namespace, so the rest of the text is kept as it is.
 */
export class NamespaceMap {
  private readonly remotePrefix: string;

  constructor(
    readonly local: string,
    readonly remote: string,
  ) {
    this.remotePrefix = `${remote}::`;
  }

  toRemote(id: Identifier): string {
    return this.remote + id.canonical.slice(id.namespace.length);
  }

  patternToRemote(pattern: Pattern): string {
    return this.remote + pattern.canonical.slice(pattern.namespace.length);
  }

  /** The local identifier of a remote stream; undefined for one outside the remote namespace. */
  toLocal(remote: string): Identifier | undefined {
    if (!remote.startsWith(this.remotePrefix)) return undefined;
    try {
      return parseIdentifier(this.local + remote.slice(this.remote.length));
    } catch {
      return undefined;
    }
  }
}
