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
import { gatewayNameAt, gatewayNameOccurrences, invalidGatewayName } from '../features/gatewayNames';
import { identityAt, identityOccurrences, invalidNewName, meshOfFile, type Occurrence, renameRefusal, templateRefusal } from '../features/identities';
import { definitionAt, documentSymbols, type MeshSymbol, workspaceSymbols } from '../features/navigation';
import type { MeshModel, MeshSettings } from '../mesh/model';
import type { Range, SourceLocation } from '../parse/text';
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

/** A name rename can change: where it is under the cursor, what a new name must be, and every place it is written. */
interface RenameTarget {
  range: Range;
  placeholder: string;
  invalid: (newName: string) => string | undefined;
  locations: () => SourceLocation[];
}

/** One workspace edit writing `newName` at each place: only YAML files of the mesh, and in them only the name's own text. */
function editsOf(locations: readonly SourceLocation[], newName: string): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const location of locations) (changes[pathToUri(location.file)] ??= []).push({ range: location.range, newText: newName });
  return { changes };
}

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
    return found && { ...found, identity: identityAt(found.file, found.file.yaml.lines.offsetAt(position), meshOfFile(found.current.meshes, found.file)) };
  };
  /** The Gateway name under the cursor, if one is written there, and every place that writes it. */
  const gatewayUnder = (uri: string, position: { line: number; character: number }) => {
    const found = fileAt(uri);
    const at = found && gatewayNameAt(found.file, found.file.yaml.lines.offsetAt(position), found.current.meshes);
    const mesh = found && meshOfFile(found.current.meshes, found.file);
    return found && at && mesh ? { ...found, at, occurrences: () => gatewayNameOccurrences(mesh, at) } : undefined;
  };
  /** Every place the file's mesh writes the identity. */
  const occurrencesOf = ({ current, file }: NonNullable<ReturnType<typeof fileAt>>, identity: Occurrence) => {
    const mesh = meshOfFile(current.meshes, file);
    return mesh ? identityOccurrences(mesh, identity, (p) => current.workspace.getFile(p)) : [];
  };
  /** What a rename at the position changes (an identity, else a Gateway name), or why it cannot. */
  const renameTargetAt = (uri: string, position: { line: number; character: number }): RenameTarget | { refusal: string } | undefined => {
    const at = identityUnder(uri, position);
    if (!at) return undefined;
    const gateway = at.identity ? undefined : gatewayUnder(uri, position);
    const refusal = gateway ? templateRefusal(gateway.file) : renameRefusal(at.file, at.identity);
    if (refusal) return { refusal };
    if (gateway) return { range: gateway.at.location.range, placeholder: gateway.at.name, invalid: invalidGatewayName, locations: gateway.occurrences };
    const identity = at.identity!;
    return {
      range: identity.location.range,
      placeholder: identity.value,
      invalid: invalidNewName,
      locations: () => occurrencesOf(at, identity).map((o) => o.location),
    };
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
    if (at?.identity) return occurrencesOf(at, at.identity).map((o) => toLocation(o.location));
    return gatewayUnder(params.textDocument.uri, params.position)?.occurrences().map(toLocation) ?? [];
  });
  connection.onPrepareRename((params) => {
    const target = renameTargetAt(params.textDocument.uri, params.position);
    if (!target) return null;
    if ('refusal' in target) throw new ResponseError(0, target.refusal);
    return { range: target.range, placeholder: target.placeholder };
  });
  connection.onRenameRequest((params): WorkspaceEdit | null => {
    const target = renameTargetAt(params.textDocument.uri, params.position);
    if (!target) return null;
    const refusal = 'refusal' in target ? target.refusal : target.invalid(params.newName);
    if (refusal) throw new ResponseError(0, refusal);
    return 'locations' in target ? editsOf(target.locations(), params.newName) : null;
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
