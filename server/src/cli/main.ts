import { parseArgs } from 'node:util';
import { formatJson, formatText, runCheck, UsageError } from './check';
import { APPLY_USAGE, runApplyCli } from './apply';
import { loadCliSettings } from './settings';
import { RUNBOOK_USAGE, runRunbookCli } from './runbook';
import { relative } from 'node:path';
import { ProgramOutputError } from '../apply/programs';

const USAGE = `Usage: istio-mesh check [DIR|FILE]... [--format text|json] [--fail-on error|warning|never] [--settings FILE]

Checks the Istio multicluster configuration in the given folders and files (default: the current folder).
istioMesh.* settings come from --settings FILE, else from .vscode/settings.json in the current folder or the
first folder checked, as VS Code would use them.
Exit code: 1 when a finding reaches --fail-on (default: error), 2 on bad usage, 0 otherwise.
On a large tree a second thread parses part of the files; ISTIO_MESH_JOBS=1 keeps all parsing on one thread.`;

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'error' },
      settings: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = values.format as string;
  const failOn = values['fail-on'] as string;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not ${format}`);
  if (!['error', 'warning', 'never'].includes(failOn)) throw new UsageError(`--fail-on must be error, warning or never, not ${failOn}`);
  const cwd = process.cwd();
  const targets = positionals.length ? positionals : ['.'];
  const { settings, source } = loadCliSettings(targets, cwd, values.settings as string | undefined);
  if (source) console.error(`settings from ${relative(cwd, source) || source}`);
  const output = await runCheck({ targets, format, failOn: failOn as 'error', cwd, settings });
  for (const note of output.notes) console.error(output.redactor().redact(note));
  const findings = output.findings.length ? output.redactor().redactDeep(output.findings) : output.findings;
  console.log(format === 'json' ? formatJson(findings, cwd) : formatText(findings, cwd));
  return output.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // `return await`: a usage error thrown while checking must reach the catch below.
    if (command === 'check') return await check(rest);
    if (command === 'apply') return await runApplyCli(rest, { out: console.log, err: console.error, cwd: process.cwd(), env: process.env });
    if (command === 'runbook') return await runRunbookCli(rest, { out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`), err: console.error, cwd: process.cwd() });
    if (command === '--help' || command === '-h' || command === 'help') {
      console.log(`${USAGE}\n\n${APPLY_USAGE}\n\n${RUNBOOK_USAGE}`);
      return 0;
    }
    console.error(command ? `unknown command: ${command}` : 'no command given');
    console.error(USAGE);
    return 2;
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`istio-mesh: ${(error as Error).message}`);
      console.error(USAGE);
      return 2;
    }
    // kubectl or istioctl failed or printed what it does not print: the message says which and what, no stack trace.
    if (error instanceof ProgramOutputError) {
      console.error(`istio-mesh ${command}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
