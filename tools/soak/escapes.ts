/** Counts unhandled rejections and uncaught exceptions while installed (the service must let none escape). */
export class Escapes {
  readonly seen: string[] = [];
  rejections = 0;
  exceptions = 0;
  private readonly onRejection = (reason: unknown): void => {
    this.rejections++;
    this.note('unhandledRejection', reason);
  };
  private readonly onException = (error: unknown): void => {
    this.exceptions++;
    this.note('uncaughtException', error);
  };

  install(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
  }

  uninstall(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }

  private note(kind: string, error: unknown): void {
    if (this.seen.length < 20) this.seen.push(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
