import {
  type CodeLens,
  type Connection,
  type DocumentSymbol,
  type Location,
  ResponseError,
  type SymbolInformation,
  SymbolKind,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';

import type { Workspace } from '../engine/workspace';
import { controlPlaneLenses } from '../features/codeLenses';
import { identityAt, identityOccurrences, invalidNewName, meshOfFile, type Occurrence, renameRefusal } from '../features/identities';
import { definitionAt, documentSymbols, type MeshSymbol, workspaceSymbols } from '../features/navigation';
import type { MeshModel, MeshSettings } from '../mesh/model';
import type { SourceLocation } from '../parse/text';
import type { Finding } from '../rules/finding';
import { pathToUri, uriToPath } from './convert';

/** What navigation reads: the workspace's files and the mesh model of their current text. */
export interface NavigationState {
  workspace: Workspace;
  meshes: readonly MeshModel[];
  findings: ReadonlyMap<string, readonly Finding[]>;
  settings: MeshSettings;
}

const SYMBOL_KINDS: Record<MeshSymbol['kind'], SymbolKind> = {
  cluster: SymbolKind.Module,
  gateway: SymbolKind.Interface,
  'control-plane': SymbolKind.Package,
  'remote-secret': SymbolKind.Key,
  namespace: SymbolKind.Namespace,
  service: SymbolKind.Class,
  route: SymbolKind.Event,
  secret: SymbolKind.Key,
  object: SymbolKind.Object,
};

const toLocation = (location: SourceLocation): Location => ({ uri: pathToUri(location.file), range: location.range });

/** Outline, symbols, definition, references, rename and code lenses, answered from the mesh model (features/). */
export function registerNavigation(connection: Connection, state: () => NavigationState | undefined): void {
  /** The current state and the workspace file of a document, when both are known. */
  const fileAt = (uri: string) => {
    const current = state();
    const path = uriToPath(uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    return current && file ? { current, file } : undefined;
  };
  /** The identity under the cursor, if one is written there. */
  const identityUnder = (uri: string, position: { line: number; character: number }) => {
    const found = fileAt(uri);
    return found && { ...found, identity: identityAt(found.file, found.file.yaml.lines.offsetAt(position)) };
  };
  /** Every place the file's mesh writes the identity. */
  const occurrencesOf = ({ current, file }: NonNullable<ReturnType<typeof fileAt>>, identity: Occurrence) => {
    const mesh = meshOfFile(current.meshes, file);
    return mesh ? identityOccurrences(mesh, identity, (p) => current.workspace.getFile(p)) : [];
  };

  connection.onDocumentSymbol((params): DocumentSymbol[] => {
    const found = fileAt(params.textDocument.uri);
    if (!found) return [];
    return documentSymbols(found.file, found.current.meshes).map((symbol) => ({
      name: symbol.name,
      ...(symbol.detail ? { detail: symbol.detail } : {}),
      kind: SYMBOL_KINDS[symbol.kind],
      range: symbol.location.range,
      selectionRange: symbol.selection.range,
    }));
  });
  connection.onWorkspaceSymbol((params): SymbolInformation[] => {
    const current = state();
    if (!current) return [];
    return workspaceSymbols(current.meshes, params.query).map((symbol) => ({
      name: symbol.name,
      kind: SYMBOL_KINDS[symbol.kind],
      location: toLocation(symbol.location),
      ...(symbol.detail ? { containerName: symbol.detail } : {}),
    }));
  });
  connection.onReferences((params): Location[] => {
    const at = identityUnder(params.textDocument.uri, params.position);
    return at?.identity ? occurrencesOf(at, at.identity).map((o) => toLocation(o.location)) : [];
  });
  connection.onPrepareRename((params) => {
    const at = identityUnder(params.textDocument.uri, params.position);
    if (!at) return null;
    const refusal = renameRefusal(at.file, at.identity);
    if (refusal) throw new ResponseError(0, refusal);
    return { range: at.identity!.location.range, placeholder: at.identity!.value };
  });
  connection.onRenameRequest((params): WorkspaceEdit | null => {
    const at = identityUnder(params.textDocument.uri, params.position);
    if (!at) return null;
    const refusal = renameRefusal(at.file, at.identity) ?? invalidNewName(params.newName);
    if (refusal) throw new ResponseError(0, refusal);
    // Only YAML files of this mesh, and within them only the identity's own text.
    const changes: Record<string, TextEdit[]> = {};
    for (const occurrence of occurrencesOf(at, at.identity!))
      (changes[pathToUri(occurrence.location.file)] ??= []).push({ range: occurrence.location.range, newText: params.newName });
    return { changes };
  });
  connection.onCodeLens((params): CodeLens[] => {
    const found = fileAt(params.textDocument.uri);
    if (!found) return [];
    const { meshes, findings, settings } = found.current;
    return controlPlaneLenses(found.file, meshes, findings, settings.roots).map((lens) => ({
      range: lens.range,
      command: { title: lens.title, command: lens.command, ...(lens.arguments ? { arguments: lens.arguments } : {}) },
    }));
  });
  connection.onDefinition((params): Location[] => {
    const found = fileAt(params.textDocument.uri);
    if (!found) return [];
    const { current, file } = found;
    return definitionAt(file, file.yaml.lines.offsetAt(params.position), current.meshes, (p) => current.workspace.getFile(p)).map(toLocation);
  });
}
