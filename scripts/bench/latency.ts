/**
 * Part 4a: latency from a metric leaving the trainer to its arrival in the extension host. The receiving end is the
 * extension's real RunServer (src/extension/server/runServer.ts, plain Node) in this process: a message "arrives"
 * when the server has parsed and validated it and hands it to the run's endpoint. Two senders, each a separate
 * process like the real trainer:
 * - the real trainer (`node dist/trainer.js run --ws …`, epochShare.ts), its send time taken by sendClock.mjs;
 * - the trainer's SocketReporter sending real metrics/didUpdate messages at C = 10 and C = 1000 (latencySender.ts).
 * Both ends read performance.timeOrigin + performance.now() (wall-clock based, sub-millisecond).
 */
import { RunServer, newRunToken } from '../../src/extension/server/runServer';
import type { TrainerMessage } from '../../src/protocol/messages';
import { ENV_SERVER_URL, ENV_TOKEN } from '../../src/protocol/messages';
import { runTsChild } from './children';
import type { SenderResult } from './latencySender';
import { distribution } from './measure';
import type { Distribution } from './measure';
import type { Measured } from './measure';

export interface Arrival {
  seq: number;
  type: TrainerMessage['type'];
  at: number;
}

/** The extension's RunServer with one registered run that records when each message arrives. */
export class ArrivalRecorder {
  readonly server = new RunServer({ info: () => undefined, warn: (line) => this.warnings.push(line) });
  readonly warnings: string[] = [];
  private readonly runs = new Map<string, Arrival[]>();

  async start(): Promise<void> {
    await this.server.listen();
  }

  /**
   * Registers a run; returns its secret, the arrivals list that fills as messages come in, and the connection times
   * (a valid hello accepted), on the same clock.
   */
  register(runId: string): { token: string; arrivals: Arrival[]; connectedAt: number[] } {
    const token = newRunToken();
    const arrivals: Arrival[] = [];
    const connectedAt: number[] = [];
    this.runs.set(runId, arrivals);
    this.server.register({
      runId,
      token,
      receive: (message) => arrivals.push({ seq: message.seq, type: message.type, at: performance.timeOrigin + performance.now() }),
      connectionChanged: (connected) => {
        if (connected) connectedAt.push(performance.timeOrigin + performance.now());
      },
    });
    return { token, arrivals, connectedAt };
  }

  environment(token: string): NodeJS.ProcessEnv {
    return { [ENV_SERVER_URL]: this.server.url, [ENV_TOKEN]: token };
  }

  async dispose(): Promise<void> {
    await this.server.dispose();
  }
}

/**
 * Arrival − send per message type, in ms, for messages sent after `connectedAt` (default: all). A message reported
 * before the socket was open waits in SocketReporter's queue until the connection opens: that wait is the connection
 * delay, reported apart.
 */
export function latenciesByType(
  sentAt: ReadonlyMap<number, number>,
  arrivals: readonly Arrival[],
  connectedAt = Number.NEGATIVE_INFINITY,
): Record<string, number[]> {
  const byType: Record<string, number[]> = {};
  for (const arrival of arrivals) {
    const sent = sentAt.get(arrival.seq);
    if (sent === undefined || arrival.seq === 0 || sent < connectedAt) continue;
    (byType[arrival.type] ??= []).push(arrival.at - sent);
  }
  return byType;
}

export interface ReporterLatency {
  classCount: number;
  /** The sender's event loop was kept busy this long after each send, as a training epoch keeps the trainer's. */
  busyMs: number;
  messageKiB: number;
  latencyMs: Distribution;
  allAcknowledged: boolean;
}

export async function benchReporterLatency(
  recorder: ArrivalRecorder,
  classCount: number,
  messages: number,
  busyMs: number,
  log: (line: string) => void,
): Promise<Measured<ReporterLatency>> {
  const runId = `bench-latency-c${classCount}-busy${busyMs}`;
  const { token, arrivals } = recorder.register(runId);
  log(
    `latency: SocketReporter → RunServer, C = ${classCount}, ${messages} messages${busyMs > 0 ? `, sender busy ${busyMs} ms after each` : ''}…`,
  );
  const sender = await runTsChild<SenderResult>(
    'latencySender.ts',
    [
      '--run-id',
      runId,
      '--classes',
      String(classCount),
      '--messages',
      String(messages),
      '--interval-ms',
      '100',
      '--busy-ms',
      String(busyMs),
    ],
    { env: recorder.environment(token) },
  );
  if (!sender.ok) return sender;
  const sentAt = new Map(Object.entries(sender.value.sentAt).map(([seq, at]) => [Number(seq), at] as const));
  const latencies = latenciesByType(sentAt, arrivals)['metrics/didUpdate'] ?? [];
  if (latencies.length === 0)
    return { ok: false, reason: `no message arrived (${recorder.warnings.slice(-2).join('; ') || 'no warning'})` };
  return {
    ok: true,
    value: {
      classCount,
      busyMs,
      messageKiB: sender.value.messageBytes / 1024,
      latencyMs: distribution(latencies),
      allAcknowledged: sender.value.allAcknowledged,
    },
  };
}
