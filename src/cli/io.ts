/** Where a command writes; tests pass buffers, main() passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
