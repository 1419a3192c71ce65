import { SymbolKind, type Connection, type DocumentSymbol, type Location, type SymbolInformation } from 'vscode-languageserver/node';
import type { Workspace } from '../engine/workspace';
import { definitionAt, documentSymbols, workspaceSymbols, type MeshSymbol } from '../features/navigation';
import type { MeshModel } from '../mesh/model';
import type { SourceLocation } from '../parse/text';
import { pathToUri, uriToPath } from './convert';

/** What navigation reads: the workspace's files and the mesh model of their current text. */
export interface NavigationState {
  workspace: Workspace;
  meshes: readonly MeshModel[];
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

/** Outline, workspace symbols and go to definition, answered from the mesh model (see features/navigation.ts). */
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
  connection.onDefinition((params): Location[] => {
    const current = state();
    const path = uriToPath(params.textDocument.uri);
    const file = path ? current?.workspace.getFile(path) : undefined;
    if (!current || !file) return [];
    const offset = file.yaml.lines.offsetAt(params.position);
    return definitionAt(file, offset, current.meshes, (p) => current.workspace.getFile(p)).map(toLocation);
  });
}
