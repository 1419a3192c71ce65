import { ResponseError, SymbolKind, type CodeLens, type Connection, type DocumentSymbol, type Location, type SymbolInformation, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { Workspace } from '../engine/workspace';
import { identityAt, identityOccurrences, invalidNewName, meshOfFile, renameRefusal } from '../features/identities';
import { definitionAt, documentSymbols, workspaceSymbols, type MeshSymbol } from '../features/navigation';
import { controlPlaneLenses } from '../features/codeLenses';
import type { MeshModel, MeshSettings } from '../mesh/model';
import type { Finding } from '../rules/finding';
import type { SourceLocation } from '../parse/text';
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
  connection.onDocumentSymbol((params): DocumentSymbol[] => {
    const current = state();
    const path = uriToPath(params.textDocument.uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    if (!current || !file) return [];
    return documentSymbols(file, current.meshes).map((symbol) => ({
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
  const fileAt = (uri: string) => {
    const current = state();
    const path = uriToPath(uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    return current && file ? { current, file } : undefined;
  };
  /** The identity under the cursor and every place its mesh writes it. */
  const occurrencesAt = (uri: string, position: { line: number; character: number }) => {
    const found = fileAt(uri);
    if (!found) return undefined;
    const identity = identityAt(found.file, found.file.yaml.lines.offsetAt(position));
    const mesh = meshOfFile(found.current.meshes, found.file);
    const occurrences = identity && mesh ? identityOccurrences(mesh, identity, (p) => found.current.workspace.getFile(p)) : [];
    return { ...found, identity, occurrences };
  };
  connection.onReferences((params): Location[] => occurrencesAt(params.textDocument.uri, params.position)?.occurrences.map((o) => toLocation(o.location)) ?? []);
  connection.onPrepareRename((params) => {
    const at = occurrencesAt(params.textDocument.uri, params.position);
    if (!at) return null;
    const refusal = renameRefusal(at.file, at.identity);
    if (refusal) throw new ResponseError(0, refusal);
    return { range: at.identity!.location.range, placeholder: at.identity!.value };
  });
  connection.onRenameRequest((params): WorkspaceEdit | null => {
    const at = occurrencesAt(params.textDocument.uri, params.position);
    if (!at) return null;
    const refusal = renameRefusal(at.file, at.identity) ?? invalidNewName(params.newName);
    if (refusal) throw new ResponseError(0, refusal);
    // Only YAML files of this mesh, and within them only the identity's own text.
    const changes: Record<string, TextEdit[]> = {};
    for (const occurrence of at.occurrences) (changes[pathToUri(occurrence.location.file)] ??= []).push({ range: occurrence.location.range, newText: params.newName });
    return { changes };
  });
  connection.onCodeLens((params): CodeLens[] => {
    const found = fileAt(params.textDocument.uri);
    if (!found) return [];
    const { meshes, findings, settings } = found.current;
    return controlPlaneLenses(found.file, meshes, findings, settings).map((lens) => ({ range: lens.range, command: { title: lens.title, command: lens.command, ...(lens.arguments ? { arguments: lens.arguments } : {}) } }));
  });
  connection.onDefinition((params): Location[] => {
    const current = state();
    const path = uriToPath(params.textDocument.uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    if (!current || !file) return [];
    const offset = file.yaml.lines.offsetAt(params.position);
    return definitionAt(file, offset, current.meshes, (p) => current.workspace.getFile(p)).map(toLocation);
  });
}
