/**
 * Messages between the trainer (or any client, e.g. the Python attach client) and the extension host.
 *
 * Transport: one WebSocket per run, to `ws://127.0.0.1:PORT/`, authenticated by the per-run secret in the
 * `x-nc-monitor-token` header (or `?token=` for clients that cannot set headers). Every trainer message carries a
 * monotonically increasing `seq`; the extension acknowledges with `ack { seq }` (cumulative), and a reconnecting trainer
 * resends everything after the last acknowledged `seq`, so no metric is lost when the socket drops. The first message on
 * every connection is `hello` with the protocol version.
 */
import * as z from 'zod';
import { evaluationReportSchema, collapseFlagSchema } from './metrics';

export const PROTOCOL_VERSION = 1;
export const TOKEN_HEADER = 'x-nc-monitor-token';
/** Environment variables the extension sets for a trainer it launches. */
export const ENV_SERVER_URL = 'NC_MONITOR_URL';
export const ENV_TOKEN = 'NC_MONITOR_TOKEN';
export const ENV_RUN_ID = 'NC_MONITOR_RUN_ID';
/** Largest message the extension accepts; cosine matrices are capped well below this by `metrics.maxHeatmapClasses`. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const RUN_END_REASONS = ['completed', 'stopped', 'failed'] as const;
export type RunEndReason = (typeof RUN_END_REASONS)[number];

const seq = z.number().int().nonnegative();
const finite = z.number().finite();

export const helloSchema = z.object({
  type: z.literal('hello'),
  seq,
  protocolVersion: z.number().int(),
  runId: z.string().min(1).max(200),
  client: z.string().max(200).describe('e.g. "nc-monitor-trainer 0.1.0 (node 20.20.2)"'),
  pid: z.number().int().optional(),
});

export const backendChoiceSchema = z.object({
  name: z.string(),
  skipped: z.array(z.object({ backend: z.string(), reason: z.string() })),
});

export const runDidStartSchema = z.object({
  type: z.literal('run/didStart'),
  seq,
  runName: z.string(),
  runFolder: z.string(),
  startedAt: z.string(),
  config: z.record(z.string(), z.unknown()),
  backend: backendChoiceSchema,
  dataset: z.object({
    source: z.string(),
    classNames: z.array(z.string()),
    trainCounts: z.array(z.number().int().nonnegative()),
    testCount: z.number().int().nonnegative(),
  }),
  totalEpochs: z.number().int().positive(),
  startEpoch: z.number().int().nonnegative().describe('0 for a new run; the checkpoint epoch for a resumed one.'),
  diagnostics: z.array(z.string()),
});

export const epochDidEndSchema = z.object({
  type: z.literal('epoch/didEnd'),
  seq,
  epoch: z.number().int().positive(),
  totalEpochs: z.number().int().positive(),
  loss: finite,
  trainAccuracy: finite,
  learningRate: finite,
  durationMs: finite,
  imagesPerSecond: finite,
});

export const metricsDidUpdateSchema = z.object({
  type: z.literal('metrics/didUpdate'),
  seq,
  epoch: z.number().int().nonnegative(),
  reports: z.array(evaluationReportSchema),
  collapse: collapseFlagSchema,
  evaluationMs: finite,
});

export const logSchema = z.object({
  type: z.literal('log'),
  seq,
  level: z.enum(['info', 'warning', 'error']),
  message: z.string().max(100_000),
});

export const runDidEndSchema = z.object({
  type: z.literal('run/didEnd'),
  seq,
  reason: z.enum(RUN_END_REASONS),
  epoch: z.number().int().nonnegative(),
  error: z.string().optional(),
  durationMs: finite,
});

export const trainerMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  runDidStartSchema,
  epochDidEndSchema,
  metricsDidUpdateSchema,
  logSchema,
  runDidEndSchema,
]);

export type Hello = z.infer<typeof helloSchema>;
export type RunDidStart = z.infer<typeof runDidStartSchema>;
export type EpochDidEnd = z.infer<typeof epochDidEndSchema>;
export type MetricsDidUpdate = z.infer<typeof metricsDidUpdateSchema>;
export type TrainerLog = z.infer<typeof logSchema>;
export type RunDidEnd = z.infer<typeof runDidEndSchema>;
export type TrainerMessage = z.infer<typeof trainerMessageSchema>;
/** A trainer message before the reporter numbers it. */
export type TrainerEvent = TrainerMessage extends infer M ? (M extends TrainerMessage ? Omit<M, 'seq'> : never) : never;

export const ackSchema = z.object({ type: z.literal('ack'), seq });
export const runStopSchema = z.object({ type: z.literal('run/stop') });
export const extensionMessageSchema = z.discriminatedUnion('type', [ackSchema, runStopSchema]);
export type ExtensionMessage = z.infer<typeof extensionMessageSchema>;

export type Decoded<T> = { ok: true; message: T } | { ok: false; error: string };

function decodeWith<T>(schema: z.ZodType<T>, raw: string): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, error: `not JSON (${(error as Error).message})` };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const first = result.error.issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  return { ok: false, error: `invalid message${where}: ${first?.message ?? 'unknown problem'}` };
}

export function decodeTrainerMessage(raw: string): Decoded<TrainerMessage> {
  return decodeWith(trainerMessageSchema, raw);
}

export function decodeExtensionMessage(raw: string): Decoded<ExtensionMessage> {
  return decodeWith(extensionMessageSchema, raw);
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
