import type { TrainerEvent, TrainerMessage } from '../../protocol/messages';

/** Where trainer messages go: the run folder's event log, the extension's socket, the terminal. */
export interface MessageSink {
  write(message: TrainerMessage): void;
  /** Resolves once the sink can deliver (e.g. its socket is open), or after the timeout. */
  ready?(timeoutMs: number): Promise<void>;
  /** Resolves when the sink has delivered what it can (bounded by the timeout). */
  close(timeoutMs: number): Promise<void>;
}

/** Numbers every event with the run's `seq` and hands it to each sink. */
export class Reporter {
  private nextSeq: number;

  /** `lastSeq`: the last number already used (a resumed run continues after it). */
  constructor(
    private readonly sinks: readonly MessageSink[],
    lastSeq = 0,
  ) {
    this.nextSeq = lastSeq + 1;
  }

  report(event: TrainerEvent): TrainerMessage {
    const message = { ...event, seq: this.nextSeq++ };
    for (const sink of this.sinks) sink.write(message);
    return message;
  }

  /** Waits (bounded) until every sink can deliver, so that the first messages do not wait behind training work. */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.ready?.(timeoutMs) ?? Promise.resolve()));
  }

  async close(timeoutMs = 5000): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.close(timeoutMs)));
  }
}
