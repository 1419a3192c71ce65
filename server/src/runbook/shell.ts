import { shellQuote } from '../apply/redact';
import type { RunbookStep } from './runbook';

/**
 * Commands quoted for a POSIX shell: every value stays literal (a context named `a;b` or `$(x)` included)
 * except the runbook's own `${NAME}` variables, which the shell expands.
 */

type Quotable = Pick<RunbookStep, 'pipeline' | 'variables' | 'input' | 'workingDirectory' | 'createsWorkingDirectory'>;

const VARIABLE_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** One argument for a shell: literal text single-quoted where needed, the step's own variables left to expand. */
export function quoteArgument(arg: string, variables: readonly string[]): string {
  const parts: string[] = [];
  let last = 0;
  for (const match of arg.matchAll(VARIABLE_REFERENCE)) {
    if (!variables.includes(match[1])) continue;
    if (match.index! > last) parts.push(shellQuote(arg.slice(last, match.index)));
    parts.push(`"\${${match[1]}}"`);
    last = match.index! + match[0].length;
  }
  if (last < arg.length || parts.length === 0) parts.push(shellQuote(arg.slice(last)));
  return parts.join('');
}

export function commandText(step: Quotable): string {
  const commands = step.pipeline.map((argv) => argv.map((arg) => quoteArgument(arg, step.variables)).join(' '));
  if (step.input !== undefined) commands[0] += ` < ${quoteArgument(step.input, step.variables)}`;
  const pipeline = commands.join(' | ');
  if (!step.workingDirectory) return pipeline;
  const folder = quoteArgument(step.workingDirectory, step.variables);
  return `(${step.createsWorkingDirectory ? `mkdir -p ${folder} && ` : ''}cd ${folder} && ${pipeline})`;
}

/** The step's command as it is copied into a shell (`export NAME="$(...)"` when it saves its output). */
export function displayCommand(step: Quotable & Pick<RunbookStep, 'assigns'>): string {
  const text = commandText(step);
  return step.assigns ? `export ${step.assigns}="$(${text})"` : text;
}
