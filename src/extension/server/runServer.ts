import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual, randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, TOKEN_HEADER, decodeTrainerMessage } from '../../protocol/messages';
import type { TrainerMessage } from '../../protocol/messages';
import { frameText } from '../../protocol/frameText';

/** What the server needs from a run: its secret and where its messages go. */
export interface RunEndpoint {
  readonly runId: string;
  readonly token: string;
  /** A validated message from this run's client. */
  receive(message: TrainerMessage): void;
  /** The client connected (after a valid hello) or disconnected. */
  connectionChanged(connected: boolean, client?: string): void;
}

export interface ServerLog {
  info(message: string): void;
  warn(message: string): void;
}

/** WebSocket close codes of our own (4000–4099): the trainer does not reconnect after these. */
export const CLOSE_PROTOCOL_VERSION = 4001;
export const CLOSE_BAD_MESSAGE = 4002;
export const CLOSE_REPLACED = 4003;

export function newRunToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The extension's end of the trainer protocol. Listens on 127.0.0.1 only, on an ephemeral port. A connection is
 * accepted only with the secret of a registered run (checked before the WebSocket upgrade, in constant time); its
 * first message must be a `hello` of our protocol version; every message is size-limited and validated. A refused
 * or misbehaving connection is logged and closed; it never affects other runs or the extension host.
 */
export class RunServer {
  private readonly endpoints = new Map<string, RunEndpoint>();
  private readonly liveSockets = new Map<string, WebSocket>();
  /** Highest seq delivered per run, across connections: a reconnecting client resends what was not acknowledged. */
  private readonly deliveredSeq = new Map<string, number>();
  private readonly http: Server;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private port = 0;

  constructor(private readonly log: ServerLog) {
    this.http = createServer((_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n');
    });
    this.http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.http.address();
    if (address === null || typeof address === 'string') throw new Error('the run server has no TCP address');
    this.port = address.port;
    return this.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  register(endpoint: RunEndpoint): void {
    this.endpoints.set(endpoint.token, endpoint);
  }

  unregister(endpoint: RunEndpoint): void {
    this.endpoints.delete(endpoint.token);
    this.liveSockets.get(endpoint.runId)?.close(1000, 'run removed');
    this.liveSockets.delete(endpoint.runId);
    this.deliveredSeq.delete(endpoint.runId);
  }

  /** Sends a control message (e.g. run/stop) to a run's client; false when it is not connected. */
  send(runId: string, message: object): boolean {
    const socket = this.liveSockets.get(runId);
    if (socket === undefined || socket.readyState !== socket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Drops a run's connection without refusing it: the client reconnects and resends what was not acknowledged. */
  disconnect(runId: string): void {
    this.liveSockets.get(runId)?.terminate();
  }

  isConnected(runId: string): boolean {
    return this.liveSockets.get(runId)?.readyState === 1;
  }

  async dispose(): Promise<void> {
    for (const socket of this.liveSockets.values()) socket.terminate();
    this.sockets.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private findEndpoint(request: IncomingMessage): RunEndpoint | undefined {
    const header = request.headers[TOKEN_HEADER];
    const fromQuery = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('token');
    const offered = (Array.isArray(header) ? header[0] : header) ?? fromQuery ?? '';
    const offeredBytes = Buffer.from(offered);
    for (const [token, endpoint] of this.endpoints) {
      const tokenBytes = Buffer.from(token);
      if (tokenBytes.length === offeredBytes.length && timingSafeEqual(tokenBytes, offeredBytes)) return endpoint;
    }
    return undefined;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const endpoint = this.findEndpoint(request);
    if (endpoint === undefined) {
      this.log.warn(`refused a connection from ${request.socket.remoteAddress ?? '?'}: missing or wrong run secret`);
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.accept(endpoint, webSocket));
  }

  private accept(endpoint: RunEndpoint, socket: WebSocket): void {
    let greeted = false;
    const refuse = (code: number, reason: string) => {
      this.log.warn(`run ${endpoint.runId}: closed a connection: ${reason}`);
      socket.close(code, reason.slice(0, 120));
    };
    socket.on('error', (error) => this.log.warn(`run ${endpoint.runId}: socket error: ${error.message}`));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return refuse(CLOSE_BAD_MESSAGE, 'binary messages are not part of the protocol');
      const decoded = decodeTrainerMessage(frameText(data));
      if (!decoded.ok) return refuse(CLOSE_BAD_MESSAGE, decoded.error);
      const message = decoded.message;
      if (!greeted) {
        if (message.type !== 'hello') return refuse(CLOSE_BAD_MESSAGE, `the first message must be hello, not ${message.type}`);
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          return refuse(
            CLOSE_PROTOCOL_VERSION,
            `protocol version ${message.protocolVersion} is not supported (this extension speaks ${PROTOCOL_VERSION})`,
          );
        }
        if (message.runId !== endpoint.runId)
          return refuse(CLOSE_BAD_MESSAGE, `hello names run ${message.runId}, but the secret belongs to ${endpoint.runId}`);
        greeted = true;
        const previous = this.liveSockets.get(endpoint.runId);
        if (previous !== undefined && previous !== socket) previous.close(CLOSE_REPLACED, 'replaced by a newer connection');
        this.liveSockets.set(endpoint.runId, socket);
        endpoint.connectionChanged(true, message.client);
        endpoint.receive(message);
        return;
      }
      if (message.type === 'hello') return refuse(CLOSE_BAD_MESSAGE, 'hello sent twice');
      // Resent messages after a reconnect: deliver each seq once, acknowledge all.
      if (message.seq > (this.deliveredSeq.get(endpoint.runId) ?? 0)) {
        this.deliveredSeq.set(endpoint.runId, message.seq);
        endpoint.receive(message);
      }
      socket.send(JSON.stringify({ type: 'ack', seq: message.seq }));
    });
    socket.on('close', () => {
      if (this.liveSockets.get(endpoint.runId) === socket) {
        this.liveSockets.delete(endpoint.runId);
        endpoint.connectionChanged(false);
      }
    });
  }
}
