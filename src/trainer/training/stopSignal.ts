/** A graceful stop: the training loop checks it after every step, then checkpoints and ends the run. */
export class StopSignal {
  private why: string | undefined;

  get requested(): boolean {
    return this.why !== undefined;
  }

  get reason(): string | undefined {
    return this.why;
  }

  request(reason: string): void {
    this.why ??= reason;
  }
}
