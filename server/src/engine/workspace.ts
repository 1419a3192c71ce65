import { type ParseOptions, unanalysedYamlFile, type YamlFile } from '../parse/yamlFile';
import { readWorkspaceFile, type WorkspaceFile, workspaceFileOf } from '../resources/workspaceFile';

/** The layers above the engine (features, lsp, cli) know files through it. */
export type { WorkspaceFile };

export interface WorkspaceOptions {
  /**
   * Keep files' texts packed once parsed (see PackedText): the language server holds a workspace for hours, and
   * the texts are a sixth of its memory; a CLI run is over before that matters and skips the packing's cost.
   */
  packTexts?: boolean;
  /** Whether loaded values are compacted (the default; see ParseOptions.compactValues). */
  compactValues?: boolean;
}

/** The YAML files of a workspace, by absolute path. The LSP layer and the CLI both fill it. */
export class Workspace {
  private readonly files = new Map<string, WorkspaceFile>();
  /** Bumped on every change, so derived data can tell it is stale. */
  generation = 0;

  constructor(
    readonly roots: readonly string[],
    private readonly options: WorkspaceOptions = {},
  ) {}

  setFile(path: string, text: string): WorkspaceFile {
    const existing = this.files.get(path);
    if (existing && existing.yaml.text === text) return existing;
    return this.store(readWorkspaceFile(path, text, this.parseOptions));
  }

  /** How this workspace parses its files; a file parsed elsewhere (setParsedFile) must have been parsed so. */
  get parseOptions(): ParseOptions {
    return { compactValues: this.options.compactValues };
  }

  /** Adds a file already parsed (by the CLI's parse worker) with this workspace's parseOptions. */
  setParsedFile(yaml: YamlFile): WorkspaceFile {
    return this.store(workspaceFileOf(yaml));
  }

  private store(file: WorkspaceFile): WorkspaceFile {
    if (this.options.packTexts) file.yaml.packText();
    this.files.set(file.path, file);
    this.generation++;
    return file;
  }

  /** Keeps a file that is not analysed (too large, binary) in the workspace, so its one finding says why. */
  setUnanalysedFile(path: string, reason: string): WorkspaceFile {
    const existing = this.files.get(path);
    if (existing && existing.unanalysedReason === reason) return existing;
    const file: WorkspaceFile = { path, yaml: unanalysedYamlFile(path, reason), resources: [], unanalysedReason: reason };
    this.files.set(path, file);
    this.generation++;
    return file;
  }

  deleteFile(path: string): boolean {
    const deleted = this.files.delete(path);
    if (deleted) this.generation++;
    return deleted;
  }

  getFile(path: string): WorkspaceFile | undefined {
    return this.files.get(path);
  }

  allFiles(): WorkspaceFile[] {
    return [...this.files.values()];
  }

  get size(): number {
    return this.files.size;
  }
}
