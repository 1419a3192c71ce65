import { existsSync } from 'node:fs';

import { type CodeAction, CodeActionKind, type Diagnostic, type Range, type WorkspaceEdit } from 'vscode-languageserver/node';

import { suppressionFix } from '../engine/tuning';
import { compareRanges } from '../parse/text';
import type { YamlFile } from '../parse/yamlFile';
import type { Finding, Fix } from '../rules/finding';

/** How findings and paths become LSP values; supplied by the LSP layer. */
export interface Conversions {
  toDiagnostic(finding: Finding): Diagnostic;
  toUri(path: string): string;
}

function rangesOverlap(a: Range, b: Range): boolean {
  return (
    compareRanges({ start: a.start, end: a.start }, { start: b.end, end: b.end }) <= 0 &&
    compareRanges({ start: b.start, end: b.start }, { start: a.end, end: a.end }) <= 0
  );
}

function sameDiagnostic(diagnostic: Diagnostic, finding: Finding): boolean {
  return diagnostic.code === finding.code && compareRanges(diagnostic.range, finding.location.range) === 0 && diagnostic.message === finding.message;
}

function workspaceEdit(fix: Fix, toUri: (path: string) => string): WorkspaceEdit | undefined {
  const documentChanges: NonNullable<WorkspaceEdit['documentChanges']> = [];
  for (const edit of fix.edits) {
    if ('createFile' in edit) {
      // A generator never overwrites what the user wrote.
      if (existsSync(edit.createFile)) return undefined;
      const uri = toUri(edit.createFile);
      documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: true } });
      documentChanges.push({
        textDocument: { uri, version: null },
        edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: edit.content }],
      });
    } else {
      documentChanges.push({ textDocument: { uri: toUri(edit.location.file), version: null }, edits: [{ range: edit.location.range, newText: edit.newText }] });
    }
  }
  return { documentChanges };
}

/** Whether a request's `only` asks for actions of `kind` (`source` asks for `source.fixAll`); no `only` asks for quick fixes only. */
function asksFor(only: readonly string[] | undefined, kind: string): boolean {
  if (!only) return kind === CodeActionKind.QuickFix;
  return only.some((asked) => kind === asked || kind.startsWith(`${asked}.`));
}

/**
 * `source.fixAll` for one document (on save with `editor.codeActionsOnSave`, or Source Action…): the preferred fix
 * of every finding of the document, where it only edits this document's text. A fix whose edits touch one already
 * taken is left for the next run (two insertions of one missing `labels:` would write the key twice).
 */
function fixAllAction(findings: readonly Finding[], file: YamlFile, convert: Conversions): CodeAction | undefined {
  const taken: Range[] = [];
  const edits: { range: Range; newText: string }[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const finding of [...findings].sort((a, b) => compareRanges(a.location.range, b.location.range))) {
    const fix = finding.fixes?.find((f) => f.preferred);
    const textEdits = fix?.edits.flatMap((edit) => ('location' in edit && edit.location.file === file.file ? [edit] : [])) ?? [];
    if (!fix || textEdits.length !== fix.edits.length || textEdits.some((edit) => taken.some((range) => rangesOverlap(range, edit.location.range)))) continue;
    for (const edit of textEdits) {
      taken.push(edit.location.range);
      edits.push({ range: edit.location.range, newText: edit.newText });
    }
    diagnostics.push(convert.toDiagnostic(finding));
  }
  if (edits.length === 0) return undefined;
  return {
    title: `Fix ${diagnostics.length === 1 ? 'the problem' : `all ${diagnostics.length} problems`} with an obvious fix (Istio Mesh)`,
    kind: CodeActionKind.SourceFixAll,
    diagnostics,
    edit: { documentChanges: [{ textDocument: { uri: convert.toUri(file.file), version: null }, edits }] },
  };
}

/**
 * Code actions for the findings of one file (`file`, as analysed; undefined while the editor holds a newer text):
 * quick fixes for the findings that touch `range` (each finding's own fixes, then "Suppress CODE for this
 * document"), and `source.fixAll` when `only` asks for it. Diagnostics sent back by the client are matched to
 * findings so the fix belongs to exactly the problem the user clicked.
 */
export function codeActionsFor(
  findings: readonly Finding[],
  range: Range,
  contextDiagnostics: readonly Diagnostic[],
  convert: Conversions,
  file?: YamlFile,
  only?: readonly string[],
): CodeAction[] {
  const fixAll = file && asksFor(only, CodeActionKind.SourceFixAll) ? fixAllAction(findings, file, convert) : undefined;
  if (!asksFor(only, CodeActionKind.QuickFix)) return fixAll ? [fixAll] : [];
  const actions: CodeAction[] = [];
  const suppressions: CodeAction[] = [];
  for (const finding of findings) {
    if (!rangesOverlap(finding.location.range, range)) continue;
    const diagnostic = contextDiagnostics.find((d) => sameDiagnostic(d, finding)) ?? convert.toDiagnostic(finding);
    const suppression = file && suppressionFix(file, finding);
    for (const fix of [...(finding.fixes ?? []), ...(suppression ? [suppression] : [])]) {
      const edit = workspaceEdit(fix, convert.toUri);
      if (!edit) continue;
      (fix === suppression ? suppressions : actions).push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: fix.preferred,
        edit,
      });
    }
  }
  // Two findings of one code in a document are suppressed by one comment: offered once.
  const offered = new Set<string>();
  return [...actions, ...suppressions.filter((action) => !offered.has(action.title) && offered.add(action.title)), ...(fixAll ? [fixAll] : [])];
}
