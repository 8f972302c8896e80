import WebSocket from 'ws';

/**
 * The gateway's socket class (ws's `WebSocket` server option). When a frame passes `maxPayload`,
 * ws calls `close(1009)` itself, after which nothing more can be sent; this hook runs first so
 * the client is told why (a LIMIT_EXCEEDED frame) before the close frame. ws passes no reason on
 * that path, which tells it apart from echoing a client's own 1009 close.
 */
export class GatewaySocket extends WebSocket {
  onOversize: (() => void) | undefined;

  override close(code?: number, data?: string | Buffer): void {
    if (code === 1009 && data === undefined && this.readyState === WebSocket.OPEN) {
      const hook = this.onOversize;
      this.onOversize = undefined;
      hook?.();
    }
    super.close(code, data);
  }
}
