import { pathToFileURL } from 'node:url';
import { policyCommand, POLICY_USAGE } from './policy-commands.js';
import { type CliIo, UsageError } from './io.js';

const USAGE = `Warden: governance for LLM calls.

Usage:
  warden serve [--port N] [--host H] [--config FILE]
                                          start the gateway (default 127.0.0.1:8080)
  warden mock-upstream [--port N]         a local stand-in for OpenAI and Anthropic (demo, tests)
  warden audit verify [--org ORG]         check the audit hash chain (exit 0 intact, 1 broken)
  warden audit prune --older-than Nd [--org ORG]
                                          retention: remove older audit records (the chain still
                                          verifies) and approvals decided before then
${POLICY_USAGE.split('\n').slice(1).join('\n')}`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'policy':
        return await policyCommand(rest, io);
      case 'serve': {
        const { serveCommand } = await import('./serve-command.js');
        return await serveCommand(rest, io);
      }
      case 'audit': {
        const { auditCommand } = await import('./audit-command.js');
        return await auditCommand(rest, io);
      }
      case 'mock-upstream': {
        const { mockUpstreamCommand } = await import('./mock-upstream-command.js');
        return await mockUpstreamCommand(rest, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`warden: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

/** Runs the CLI against the process's arguments and streams; sets the exit code. */
export function main(): void {
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      // A long-running command (serve) resolves with -1 and sets the exit code itself.
      if (code !== -1) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`warden: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
