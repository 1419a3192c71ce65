import { relative } from 'node:path';
import { parseArgs } from 'node:util';

import { ProgramOutputError } from '../apply/programs';
import type { Severity } from '../rules/finding';
import { APPLY_USAGE, runApplyCli } from './apply';
import { runCheck, UsageError } from './check';
import { CHECK_FORMATS, type CheckFormat, formatFindings, packageInfoOf } from './checkOutput';
import { RUNBOOK_USAGE, runRunbookCli } from './runbook';
import { loadCliSettings } from './settings';
import { usageHint } from './usage';

const USAGE = `Usage: istio-mesh check [DIR|FILE]... [--format text|json|sarif|github] [--fail-on error|warning|never]
                        [--min-severity error|warning|information] [--ignore CODE]... [--verbose] [--settings FILE]
       istio-mesh --version

Checks the Istio multicluster configuration in the given folders and files (default: the current folder).
istioMesh.* settings come from --settings FILE, else from .vscode/settings.json in the current folder or the
first folder checked, as VS Code would use them (istioMesh.rules included: a severity, or off, per code).
  --format        text: findings grouped by file, messages cut at 160 characters (whole with --verbose);
                  json: every field; sarif: SARIF 2.1.0 for GitHub code scanning; github: workflow annotations
  --min-severity  leave out findings below this severity (they do not count for --fail-on either)
  --ignore CODE   leave out findings with this code (repeatable, or a comma list), as istioMesh.rules "off"
Exit code: 1 when a finding reaches --fail-on (default: error), 2 on bad usage, 0 otherwise.
On a large tree a second thread parses part of the files; ISTIO_MESH_JOBS=1 keeps all parsing on one thread.`;

const MIN_SEVERITIES: readonly Severity[] = ['error', 'warning', 'information'];

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'error' },
      'min-severity': { type: 'string' },
      ignore: { type: 'string', multiple: true },
      verbose: { type: 'boolean' },
      settings: { type: 'string' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(packageInfoOf().version);
    return 0;
  }
  const format = values.format as CheckFormat;
  const failOn = values['fail-on'] as string;
  const minSeverity = values['min-severity'] as Severity | undefined;
  if (!CHECK_FORMATS.includes(format))
    throw new UsageError(`--format must be ${CHECK_FORMATS.slice(0, -1).join(', ')} or ${CHECK_FORMATS.at(-1)}, not ${format}`);
  if (!['error', 'warning', 'never'].includes(failOn)) throw new UsageError(`--fail-on must be error, warning or never, not ${failOn}`);
  if (minSeverity !== undefined && !MIN_SEVERITIES.includes(minSeverity))
    throw new UsageError(`--min-severity must be error, warning or information, not ${minSeverity}`);
  const ignore = (values.ignore ?? [])
    .flatMap((list) => list.split(','))
    .map((code) => code.trim())
    .filter(Boolean);
  if (values.ignore?.length && ignore.length === 0) throw new UsageError('--ignore needs a finding code, such as --ignore MESH001');
  const cwd = process.cwd();
  const targets = positionals.length ? positionals : ['.'];
  const { settings, source } = loadCliSettings(targets, cwd, values.settings as string | undefined);
  if (source) console.error(`settings from ${relative(cwd, source) || source}`);
  const output = await runCheck({ targets, failOn: failOn as 'error', minSeverity, ignore, cwd, settings });
  for (const note of output.notes) console.error(output.redactor().redact(note));
  const findings = output.findings.length ? output.redactor().redactDeep(output.findings) : output.findings;
  console.log(formatFindings(format, findings, cwd, values.verbose === true));
  return output.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // `return await`: a usage error thrown while checking must reach the catch below.
    if (command === 'check') return await check(rest);
    if (command === 'apply') return await runApplyCli(rest, { out: console.log, err: console.error, cwd: process.cwd(), env: process.env });
    if (command === 'runbook')
      return await runRunbookCli(rest, {
        out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
        err: console.error,
        cwd: process.cwd(),
      });
    if (command === '--help' || command === '-h' || command === 'help') {
      console.log(`${USAGE}\n\n${APPLY_USAGE}\n\n${RUNBOOK_USAGE}`);
      return 0;
    }
    if (command === '--version') {
      console.log(packageInfoOf().version);
      return 0;
    }
    console.error(`istio-mesh: ${command ? `unknown command: ${command}` : 'no command given'}`);
    console.error(usageHint());
    return 2;
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`istio-mesh: ${(error as Error).message}`);
      console.error(usageHint(command));
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
