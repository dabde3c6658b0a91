import type { RunServer } from '../../src/extension/server/runServer';
import { newRunToken } from '../../src/extension/server/runServer';
import type { TrainerMessage } from '../../src/protocol/messages';

/** One run registered on a real RunServer, recording what its client delivers. */
export interface RunSession {
  runId: string;
  token: string;
  /** Every message the server delivered (validated, each seq once), hello included. */
  messages: TrainerMessage[];
  /** Connections accepted (after a valid hello). */
  connections: number;
  /** The `client` of each accepted hello, in order. */
  clients: string[];
  /** Called synchronously for every delivered message, before the server acknowledges it. */
  onMessage?: (message: TrainerMessage) => void;
  /** The first delivered message that satisfies `predicate`, now or when it arrives; rejects after the timeout. */
  waitFor(predicate: (message: TrainerMessage) => boolean, timeoutMs?: number): Promise<TrainerMessage>;
}

/** Registers `runId` with a fresh secret, as the extension does before it launches a trainer. */
export function registerRunSession(server: RunServer, runId: string, defaultTimeoutMs = 60_000): RunSession {
  const waiters: ((message: TrainerMessage) => boolean)[] = [];
  const session: RunSession = {
    runId,
    token: newRunToken(),
    messages: [],
    connections: 0,
    clients: [],
    waitFor: (predicate, timeoutMs = defaultTimeoutMs) =>
      new Promise((resolve, reject) => {
        const found = session.messages.find(predicate);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`timed out; got ${session.messages.map((m) => m.type).join(', ')}`)), timeoutMs);
        waiters.push((message) => {
          if (!predicate(message)) return false;
          clearTimeout(timer);
          resolve(message);
          return true;
        });
      }),
  };
  server.register({
    runId,
    token: session.token,
    receive: (message) => {
      session.messages.push(message);
      session.onMessage?.(message);
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]?.(message)) waiters.splice(i, 1);
    },
    connectionChanged: (connected, client) => {
      if (!connected) return;
      session.connections++;
      if (client !== undefined) session.clients.push(client);
    },
  });
  return session;
}
