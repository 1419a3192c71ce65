// The workspace the server analyses: the YAML files of the workspace folders, read from disk under the settings'
// exclusions and limits, and read again in full (indexed) when the settings change. Apart from document sync,
// which lays the editor's open documents over it, and from scheduling, which waits while an indexing runs.
import type { Connection } from 'vscode-languageserver/node';

import { Workspace } from '../engine/workspace';
import type { MeshSettings } from '../mesh/model';
import { findYamlFiles, makeExcluder, readYamlText } from '../workspace/scan';
import { DEFAULT_SETTINGS, type ServerSettings } from './clientSettings';

/** Files read between two yields while indexing; a workspace with more files shows indexing progress. */
const INDEX_SLICE = 200;

export class WorkspaceIndex {
  /** The workspace the server analyses now (it is replaced when settings change). */
  workspace = new Workspace([]);
  /** The settings of the latest indexing. */
  settings: ServerSettings = DEFAULT_SETTINGS;
  roots: string[] = [];
  /** From the start of an indexing until one completes: no analysis runs on a half-read workspace. */
  indexing = false;
  private supportsProgress = false;
  /** Bumped by each indexing, so one that a newer one (a settings change) supersedes stops early. */
  private generation = 0;

  constructor(private readonly connection: Connection) {}

  /** The workspace folders the client opened (at initialize); their files are read by the next indexing. */
  openFolders(roots: string[], supportsProgress: boolean): void {
    this.supportsProgress = supportsProgress;
    this.roots = roots;
    this.workspace = new Workspace(this.roots, { packTexts: true });
  }

  /** What the mesh model needs of the settings. */
  meshSettings(): MeshSettings {
    return { roots: this.roots, clusters: this.settings.clusters, helmValues: this.settings.helmValues };
  }

  isUnderRoots(path: string): boolean {
    return this.roots.some((root) => path.startsWith(root));
  }

  isExcluded(path: string): boolean {
    return this.roots.some((root) => makeExcluder(root, this.excludePatterns())(path));
  }

  private excludePatterns(): string[] {
    return [...this.settings.exclude, ...this.settings.filesExclude];
  }

  loadFromDisk(path: string): void {
    if (this.isExcluded(path)) return;
    const read = readYamlText(path, this.settings.maxFileSize);
    if ('skipped' in read) {
      this.connection.console.log(`skipped ${path}: ${read.skipped}`);
      this.workspace.deleteFile(path);
    } else {
      this.workspace.setFile(path, read.text);
    }
  }

  /**
   * Reads every YAML file of the workspace folders under these settings, then lets the open documents win over
   * disk (`adoptOpenDocuments`). Large workspaces are read in slices, yielding between them (so edits and
   * requests are served) and showing progress; an indexing that a newer one supersedes stops and returns false.
   * Changes made meanwhile are analysed with the rest once indexing is done.
   */
  async index(settings: ServerSettings, adoptOpenDocuments: () => void): Promise<boolean> {
    this.settings = settings;
    const generation = ++this.generation;
    this.indexing = true;
    this.workspace = new Workspace(this.roots, { packTexts: true });
    const paths: string[] = [];
    for (const root of this.roots) {
      const { files, skipped } = findYamlFiles(root, { exclude: this.excludePatterns(), maxFileSize: this.settings.maxFileSize });
      for (const s of skipped) this.connection.console.log(`skipped ${s.path}: ${s.reason}`);
      paths.push(...files);
    }
    const progress = this.supportsProgress && paths.length > INDEX_SLICE ? await this.connection.window.createWorkDoneProgress() : undefined;
    progress?.begin('Istio Mesh: indexing', 0, `${paths.length} YAML files`, false);
    try {
      for (let i = 0; i < paths.length; i++) {
        this.loadFromDisk(paths[i]);
        if ((i + 1) % INDEX_SLICE !== 0) continue;
        progress?.report(Math.floor((100 * (i + 1)) / paths.length), `${i + 1} of ${paths.length} YAML files`);
        await new Promise((resolve) => setImmediate(resolve));
        if (generation !== this.generation) return false;
      }
    } finally {
      progress?.done();
    }
    adoptOpenDocuments();
    this.indexing = false;
    this.connection.console.log(`indexed ${this.workspace.size} YAML file(s) in ${this.roots.length} folder(s)`);
    return true;
  }
}
