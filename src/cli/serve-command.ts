import type { CliIo } from './io.js';
import { UsageError } from './io.js';

export async function serveCommand(_args: string[], _io: CliIo): Promise<number> {
  throw new UsageError('serve is wired once the gateway lands');
}
