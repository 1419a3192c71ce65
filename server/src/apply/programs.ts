import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

import { redact } from './redact';

export type ProgramLookup = { path: string } | { problem: string };

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a program setting (`istioMesh.kubectlPath`) before anything runs it: an absolute path to an
 * executable file, or a bare program name found on PATH. Relative paths are refused, since they would
 * resolve against whatever folder the workspace is.
 */
export function resolveProgram(setting: string, env: NodeJS.ProcessEnv = process.env): ProgramLookup {
  const value = setting.trim();
  if (!value) return { problem: 'the setting is empty' };
  if (isAbsolute(value)) return isExecutableFile(value) ? { path: value } : { problem: `${value} is not an executable file` };
  if (/[/\\]/.test(value)) return { problem: `${value} is a relative path: give an absolute path or a program name on PATH` };
  for (const folder of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(folder, value);
    if (isExecutableFile(candidate)) return { path: candidate };
  }
  return { problem: `${value} was not found on PATH` };
}

/** What VS Code's `inspect()` reports for a setting, per scope (only the scopes a program path may come from). */
export interface ProgramSettingScopes {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The program a setting names (`istioMesh.kubectlPath`). In an untrusted workspace only the user's own (global)
 * value counts, so a cloned repository's `.vscode/settings.json` cannot choose the program that runs.
 */
export function programSettingValue(scopes: ProgramSettingScopes | undefined, workspaceTrusted: boolean, fallback: string): string {
  const value = workspaceTrusted ? (scopes?.workspaceFolderValue ?? scopes?.workspaceValue ?? scopes?.globalValue) : scopes?.globalValue;
  return typeof value === 'string' && value.trim() ? value : fallback;
}

export interface ProgramResult {
  /** The exit code; undefined when the program did not run to its end (not found, killed, cancelled). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  /** Why it did not run, when it did not (ENOENT, timeout). */
  spawnError?: string;
}

export interface RunProgramOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const MAX_OUTPUT = 32 * 1024 * 1024;

/**
 * Runs a program with an argument array and no shell: every argument (a context named `prod;$(rm -rf /)`,
 * a file name with spaces) reaches the program as one literal string.
 */
export function runProgram(program: string, args: readonly string[], options: RunProgramOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = execFile(
      program,
      [...args],
      { env: options.env ?? process.env, signal: options.signal, timeout: options.timeoutMs ?? 0, maxBuffer: MAX_OUTPUT, shell: false, windowsHide: true },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        const cancelled = !!options.signal?.aborted;
        const exitCode = failure ? (typeof failure.code === 'number' ? failure.code : undefined) : 0;
        const spawnError =
          failure && exitCode === undefined && !cancelled
            ? typeof failure.code === 'string'
              ? failure.code
              : failure.killed
                ? 'timed out'
                : failure.message
            : undefined;
        resolve({ exitCode, stdout: String(stdout), stderr: String(stderr), cancelled, spawnError });
      },
    );
    // A program that exits before reading its input closes the pipe: that is its exit code's business, not a crash here.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * A program ran but its result cannot be used (it failed, printed nothing, or printed something that is not what
 * it prints). The message names the program and quotes what it printed, so it is shown as it is, without a stack.
 */
export class ProgramOutputError extends Error {}

const MAX_QUOTED = 200;

/** What a program printed, for a message: credentials redacted, on one line, at most 200 characters. */
export function quoteOutput(text: string): string {
  const line = redact(text).replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line);
}

/** Why a program's result is unusable when it did not run to a zero exit: how it ended, then what it printed on stderr (else stdout). */
export function describeProgramFailure(result: ProgramResult): string {
  const ended = result.spawnError ? `could not be run (${result.spawnError})` : `exited with code ${result.exitCode}`;
  const said = result.stderr.trim() || result.stdout.trim();
  return said ? `${ended}: ${quoteOutput(said)}` : `${ended} and printed nothing`;
}
