import WebSocket from 'ws';
import { PROTOCOL_VERSION, TOKEN_HEADER, decodeExtensionMessage, assertNever } from '../../protocol/messages';
import type { TrainerMessage } from '../../protocol/messages';
import { frameText } from '../../protocol/frameText';

export interface SocketReporterOptions {
  url: string;
  token: string;
  runId: string;
  client: string;
  /** Called when the extension asks the run to stop. */
  onStopRequested: () => void;
  onWarning: (message: string) => void;
  /** Back-off bounds for reconnecting, in milliseconds. */
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * Streams messages to the extension and guarantees delivery across dropped connections: every message stays in
 * `unacknowledged` until the extension acknowledges its `seq`; on reconnect, after a fresh `hello`, everything still
 * unacknowledged is sent again in order. Training never waits on the socket.
 */
export class SocketReporter {
  private socket: WebSocket | undefined;
  private readonly unacknowledged: TrainerMessage[] = [];
  private reconnectDelayMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private refusedPermanently = false;

  constructor(private readonly options: SocketReporterOptions) {
    this.reconnectDelayMs = options.minReconnectDelayMs ?? 250;
    this.connect();
  }

  send(message: TrainerMessage): void {
    this.unacknowledged.push(message);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Resolves when the connection is open (or refused for good), or after the timeout. */
  async waitUntilConnected(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.socket?.readyState !== WebSocket.OPEN && !this.refusedPermanently && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Waits until every message has been acknowledged, or until the timeout; resolves `true` if all were. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.unacknowledged.length > 0 && Date.now() < deadline && !this.refusedPermanently) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.unacknowledged.length === 0;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close(1000, 'run finished');
  }

  private connect(): void {
    if (this.closed || this.refusedPermanently) return;
    const socket = new WebSocket(this.options.url, { headers: { [TOKEN_HEADER]: this.options.token }, maxPayload: 1024 * 1024 });
    this.socket = socket;
    socket.on('open', () => {
      this.reconnectDelayMs = this.options.minReconnectDelayMs ?? 250;
      // A hello belongs to the connection, not to the run's stream: seq 0 never needs acknowledging.
      socket.send(
        JSON.stringify({
          type: 'hello',
          seq: 0,
          protocolVersion: PROTOCOL_VERSION,
          runId: this.options.runId,
          client: this.options.client,
          pid: process.pid,
        }),
      );
      for (const message of this.unacknowledged) socket.send(JSON.stringify(message));
    });
    socket.on('message', (data) => this.receive(frameText(data)));
    socket.on('unexpected-response', (_request, response) => {
      // 401/403: wrong secret; 426: wrong protocol. Retrying cannot fix either.
      this.options.onWarning(`the extension refused the connection (HTTP ${response.statusCode}); reporting to the run folder only`);
      this.refusedPermanently = true;
      socket.terminate();
    });
    socket.on('error', () => undefined); // 'close' follows and schedules the reconnect
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (code >= 4000 && code < 4100) {
        this.options.onWarning(`the extension closed the connection: ${reason.toString() || code}; reporting to the run folder only`);
        this.refusedPermanently = true;
        return;
      }
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.refusedPermanently) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.options.maxReconnectDelayMs ?? 5000);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private receive(raw: string): void {
    const decoded = decodeExtensionMessage(raw);
    if (!decoded.ok) {
      this.options.onWarning(`ignored a message from the extension: ${decoded.error}`);
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'ack': {
        while (this.unacknowledged.length > 0 && (this.unacknowledged[0]?.seq ?? Infinity) <= message.seq) this.unacknowledged.shift();
        return;
      }
      case 'run/stop':
        this.options.onStopRequested();
        return;
      default:
        assertNever(message);
    }
  }
}
