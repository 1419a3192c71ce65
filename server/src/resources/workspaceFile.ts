// A parsed file with its recognised resources: what every layer from mesh/ up reads a file as. It lives here, below
// the engine that keeps the files, so that mesh/, compose/, apply/ and security/ know a file without importing
// the engine (the layers import only downwards).
import { type ParseOptions, parseYamlFile, type YamlFile } from '../parse/yamlFile';
import { recogniseResources } from './kinds';
import type { Resource } from './resource';

/** One YAML file of the workspace, parsed once per version of its text. */
export interface WorkspaceFile {
  readonly path: string;
  readonly yaml: YamlFile;
  readonly resources: readonly Resource[];
  /** Why the file's text was not analysed (too large, binary), when it was not. */
  readonly unanalysedReason?: string;
}

export function readWorkspaceFile(path: string, text: string, options?: ParseOptions): WorkspaceFile {
  return workspaceFileOf(parseYamlFile(path, text, options));
}

/** The workspace's view of a parsed file: its documents recognised as resources. */
export function workspaceFileOf(yaml: YamlFile): WorkspaceFile {
  const resources: Resource[] = [];
  for (const doc of yaml.documents) resources.push(...recogniseResources(doc));
  return { path: yaml.file, yaml, resources };
}
