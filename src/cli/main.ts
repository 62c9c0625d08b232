/**
 * @module `switchyard <command>`: run, check, status, import. Exit codes (CONTRACT §1): 0 clean
 * shutdown or success, 2 bad flag or static file, 1 anything else (`check` finding problems too),
 * 3 for `import` with constructs that have no faithful translation.
 */
import { StaticConfigError, SwitchyardError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { checkCommand } from './check.ts';
import { importCommand } from './import.ts';
import { runCommand } from './run.ts';
import { statusCommand } from './status.ts';

const USAGE = `switchyard ${VERSION}

usage:
  switchyard run    [--configFile=switchyard.yaml] [static flags…]   run a node
  switchyard check  [--configFile=…] [provider flags…]               validate the dynamic configuration; exit 1 on any problem
  switchyard status [--configFile=…] [store flags…] [--json]         the cluster: nodes, applied revisions, ACME leader
  switchyard import haproxy <haproxy.cfg> [store flags…] [--dry-run] [--watch] [--name=<import>]
                                                                     translate an HAProxy config into keys and write them
                                                                     (--dry-run: print them as JSON); exit 3 if anything has
                                                                     no faithful translation (listed on stderr)
  switchyard version

Static flags use Traefik's names (--entryPoints.web.address=:80, --providers.file.filename=…);
see README.md for the full list.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'check':
      return checkCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'import':
      return importCommand(rest);
    case 'version':
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`switchyard: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
  // Everything was drained and closed; client libraries (gRPC channels, keep-alive timers) may
  // still hold handles that would keep the process alive, so leave explicitly.
  process.exit();
} catch (error) {
  if (error instanceof StaticConfigError) {
    process.stderr.write(`switchyard: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof SwitchyardError) {
    process.stderr.write(`switchyard: ${error.key === undefined ? '' : `${error.key}: `}${error.message} (${error.code})\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`switchyard: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
  process.exit();
}
