import * as vscode from 'vscode';
import { assertNever } from '../../protocol/messages';
import type { EpochDidEnd, MetricsDidUpdate, RunDidEnd, RunDidStart, TrainerMessage } from '../../protocol/messages';

export type RunStatus = 'starting' | 'running' | 'stopping' | 'completed' | 'stopped' | 'failed';

export const LIVE_STATUSES: readonly RunStatus[] = ['starting', 'running', 'stopping'];

/**
 * One run as the extension knows it: everything the trainer reported, in order, plus process state. The extension
 * owns this data; views and the dashboard only read it.
 */
export class Run implements vscode.Disposable {
  status: RunStatus = 'starting';
  started: RunDidStart | undefined;
  readonly epochs: EpochDidEnd[] = [];
  readonly evaluations: MetricsDidUpdate[] = [];
  ended: RunDidEnd | undefined;
  /** The last lines the trainer wrote to stderr, shown when it fails. */
  errorTail: string[] = [];
  client: string | undefined;
  connected = false;
  /** Highest `seq` applied: messages are applied once, whether they come from the socket or from events.jsonl. */
  lastSeq = 0;
  readonly createdAt = Date.now();
  private readonly changed = new vscode.EventEmitter<Run>();
  readonly onDidChange = this.changed.event;
  private readonly received = new vscode.EventEmitter<TrainerMessage>();
  /** Every validated message, as it arrives. */
  readonly onDidReceiveMessage = this.received.event;

  constructor(
    readonly id: string,
    public name: string,
    readonly folder: string,
    readonly configFile: string | undefined,
    /** Fed by a user's own script through "Attach External Run", not by a trainer process the extension started. */
    readonly attached = false,
  ) {}

  get isLive(): boolean {
    return LIVE_STATUSES.includes(this.status);
  }

  get currentEpoch(): number {
    return this.epochs.at(-1)?.epoch ?? this.started?.startEpoch ?? 0;
  }

  get totalEpochs(): number | undefined {
    return this.started?.totalEpochs;
  }

  get latestEvaluation(): MetricsDidUpdate | undefined {
    return this.evaluations.at(-1);
  }

  get durationMs(): number {
    if (this.ended !== undefined) return this.ended.durationMs;
    const start = this.started === undefined ? this.createdAt : Date.parse(this.started.startedAt);
    return Date.now() - start;
  }

  apply(message: TrainerMessage): void {
    if (message.type !== 'hello') {
      if (message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
    }
    switch (message.type) {
      case 'hello':
        this.client = message.client;
        break;
      case 'run/didStart':
        this.started = message;
        this.name = message.runName;
        if (this.status === 'starting') this.status = 'running';
        break;
      case 'epoch/didEnd':
        this.epochs.push(message);
        break;
      case 'metrics/didUpdate':
        this.evaluations.push(message);
        break;
      case 'log':
        break;
      case 'run/didEnd':
        this.ended = message;
        this.status = message.reason;
        break;
      default:
        assertNever(message);
    }
    this.received.fire(message);
    this.changed.fire(this);
  }

  setStatus(status: RunStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed.fire(this);
  }

  setConnected(connected: boolean, client?: string): void {
    this.connected = connected;
    if (client !== undefined) this.client = client;
    this.changed.fire(this);
  }

  dispose(): void {
    this.changed.dispose();
    this.received.dispose();
  }
}
