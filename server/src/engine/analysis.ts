import { withCompositionContext } from '../compose/related';
import { buildMeshes, filesByRoot, type MeshModel, type MeshSettings } from '../mesh/model';
import { meshesWithFileReplaced } from '../mesh/reuse';
import { sameItems } from '../mesh/routingIndex';
import { YAML_PROBLEM_CODES, type YamlProblem } from '../parse/yamlFile';
import { readWorkspaceFile, type WorkspaceFile } from '../resources/workspaceFile';
import { ALL_RULES } from '../rules';
import type { Finding } from '../rules/finding';
import type { MeshRule, ResourceRule, Rule, RuleContext } from '../rules/rule';
import { CacheStore, CacheVerificationError, cacheVerificationRequested } from './cacheStore';
import { foldConsequences } from './folding';
import { type RuleLevels, tuneFindings, UNUSED_SUPPRESSION } from './tuning';
import type { Workspace } from './workspace';

/** What an analysis reads besides the files: the mesh's settings, and how findings are tuned. */
export interface AnalysisOptions extends MeshSettings {
  /** `istioMesh.rules` (and the CLI's `--ignore`): a level per code, `off` to drop it. */
  rules?: RuleLevels;
}

export interface AnalysisResult {
  /**
   * Findings by absolute file path; every analysed file has an entry, empty when clean. A file whose findings
   * are the same as in the previous analysis (of the same Analyzer) keeps the same list object.
   */
  findings: Map<string, Finding[]>;
  meshes: MeshModel[];
  /**
   * Paths whose findings differ from the previous analysis's, those no longer listed included: all that a
   * publisher needs to re-send. Every path on the first analysis.
   */
  changed: Set<string>;
}

export type Logger = (message: string) => void;

function yamlFinding(file: string, problem: YamlProblem): Finding {
  return { code: problem.code, severity: problem.severity, message: problem.message, location: { file, range: problem.range } };
}

/** The meshes of one root folder and what the mesh rules found in them, kept while none of its files changes. */
interface RootAnalysis {
  files: readonly WorkspaceFile[];
  settingsKey: string;
  meshes: MeshModel[];
  /** The mesh rules' findings by the file they are in; a file's list is the previous analysis's when equal. */
  findingsByFile: Map<string, Finding[]>;
}

/** A file's findings and the parts they were merged from, so an unchanged file keeps its list. */
interface MergedFindings {
  parts: Finding[][];
  findings: Finding[];
}

/** What a complete analysis leaves for the next one (see `analysisSteps`). */
interface LastRun {
  files: readonly WorkspaceFile[];
  rootsKey: string;
  byRoot: Map<string, WorkspaceFile[]>;
  analyses: Map<string, RootAnalysis>;
  findings: Map<string, Finding[]>;
  rulesKey: string;
}

/** Beyond this many files replaced at once (a branch switch), grouping again is as cheap as patching. */
const MAX_SWAPPED_FILES = 64;

function sameFindings(a: readonly Finding[], b: readonly Finding[]): boolean {
  // Rules build new Finding objects on every run: equal content is what makes a file's diagnostics unchanged.
  return a === b || (a.length === b.length && a.every((finding, i) => finding === b[i] || JSON.stringify(finding) === JSON.stringify(b[i])));
}

/** Findings grouped by file, in order; a group equal to the previous one is the previous list object. */
function groupByFile(findings: readonly Finding[], previous: ReadonlyMap<string, Finding[]> | undefined): Map<string, Finding[]> {
  const byFile = new Map<string, Finding[]>();
  for (const finding of findings) {
    const list = byFile.get(finding.location.file);
    if (list) list.push(finding);
    else byFile.set(finding.location.file, [finding]);
  }
  if (previous) {
    for (const [file, list] of byFile) {
      const before = previous.get(file);
      if (before && sameFindings(before, list)) byFile.set(file, before);
    }
  }
  return byFile;
}

/** Settings a mesh depends on, as a comparable key (`now` included: a fixed time is part of the input). */
function settingsKey(settings: MeshSettings): string {
  return JSON.stringify([settings.roots, settings.clusters, settings.now?.toISOString() ?? null]);
}

/**
 * The one file that differs between two lists, when exactly one does: replaced by a new version, or added or
 * deleted (then the missing side is an empty file of the same path, which holds no resource).
 */
function onlyChangedFile(before: readonly WorkspaceFile[], after: readonly WorkspaceFile[]): FileSwap | undefined {
  const swaps = replacedFiles(before, after);
  if (swaps) return swaps.length === 1 ? swaps[0] : undefined;
  const added = onlyExtraFile(before, after);
  if (added) return { before: emptyFile(added.path), after: added };
  const deleted = onlyExtraFile(after, before);
  return deleted && { before: deleted, after: emptyFile(deleted.path) };
}

/** The one file of `longer` that `shorter` lacks, when the lists are otherwise the same, in the same order. */
function onlyExtraFile(shorter: readonly WorkspaceFile[], longer: readonly WorkspaceFile[]): WorkspaceFile | undefined {
  if (longer.length !== shorter.length + 1) return undefined;
  let at = 0;
  while (at < shorter.length && shorter[at] === longer[at]) at++;
  for (let i = at; i < shorter.length; i++) if (shorter[i] !== longer[i + 1]) return undefined;
  return longer[at];
}

function emptyFile(path: string): WorkspaceFile {
  return readWorkspaceFile(path, '');
}

/**
 * Runs the rules on a workspace, incrementally: a file's parse and per-resource findings are cached per
 * version of its text, and the meshes of a root folder (with their mesh-rule findings) are rebuilt only when
 * one of its files changed. A keystroke therefore re-runs the resource rules for its own file and the mesh
 * rules for its own root's meshes; other roots' findings are reused as they are.
 */
export class Analyzer {
  private readonly resourceRules: ResourceRule[];
  private readonly meshRules: MeshRule[];
  private readonly fileFindings = new WeakMap<WorkspaceFile, Finding[]>();
  private readonly failedRules = new Set<string>();
  private lastModelFailure: string | undefined;
  private readonly roots = new Map<string, RootAnalysis>();
  /** Each file's findings as last returned, to tell which files' findings changed. */
  private merged = new Map<string, MergedFindings>();
  /** Per mesh rule that declares what it reads, and per mesh: those inputs and the findings made from them. */
  private readonly meshRuleMemos = new Map<MeshRule, Map<string, { inputs: readonly unknown[]; findings: Finding[] }>>();
  /** What the last complete analysis grouped and returned, so the next one merges again only what may differ. */
  private lastRun: LastRun | undefined;
  /** Every code a finding may have, so an ignore comment naming another can say so. */
  private readonly knownCodes: ReadonlySet<string>;
  /** What the mesh rules are given: this Analyzer's cache store, the only place they keep anything between analyses. */
  private readonly ruleContext: RuleContext = { cache: new CacheStore() };

  constructor(
    rules: readonly Rule[] = ALL_RULES,
    private readonly log: Logger = () => {},
    /** Whether every mesh rule's findings are checked against a run on an empty cache store (see engine/cacheStore.ts). */
    private readonly verifyCache = cacheVerificationRequested(),
  ) {
    this.resourceRules = rules.filter((r): r is ResourceRule => r.scope === 'resource');
    this.meshRules = rules.filter((r): r is MeshRule => r.scope === 'mesh');
    this.knownCodes = new Set([...rules.map((rule) => rule.code), ...YAML_PROBLEM_CODES, UNUSED_SUPPRESSION]);
  }

  /** A rule that throws is contained: its error is logged once, the other rules still run. */
  private runRule<T>(rule: Rule, run: () => T[]): T[] {
    try {
      const found = run();
      if (!Array.isArray(found)) throw new TypeError(`returned ${typeof found} instead of a list of findings`);
      return found;
    } catch (error) {
      if (!this.failedRules.has(rule.code)) {
        this.failedRules.add(rule.code);
        this.log(`rule ${rule.code} failed and was skipped: ${(error as Error).stack ?? error}`);
      }
      return [];
    }
  }

  private findingsOfFile(file: WorkspaceFile): Finding[] {
    let findings = this.fileFindings.get(file);
    if (!findings) {
      findings = file.yaml.documents.flatMap((doc) => doc.problems.map((p) => yamlFinding(file.path, p)));
      for (const resource of file.resources) {
        for (const rule of this.resourceRules) findings.push(...this.runRule(rule, () => rule.check(resource)));
      }
      this.fileFindings.set(file, findings);
    }
    return findings;
  }

  /** A model that cannot be built (a bug on some input) costs the mesh rules, not the per-file findings. */
  private buildMeshesContained(files: WorkspaceFile[], settings: MeshSettings): MeshModel[] {
    try {
      return buildMeshes(files, settings);
    } catch (error) {
      const message = `the mesh model could not be built; mesh rules were skipped: ${(error as Error).stack ?? error}`;
      if (this.lastModelFailure !== message) this.log(message);
      this.lastModelFailure = message;
      return [];
    }
  }

  /** Deriving the models must never cost the analysis: on any failure the root is rebuilt instead. */
  private reuseContained(meshes: MeshModel[], before: WorkspaceFile, after: WorkspaceFile, settings: MeshSettings): MeshModel[] | undefined {
    try {
      return meshesWithFileReplaced(meshes, before, after, settings);
    } catch (error) {
      this.log(`the mesh model could not be reused after an edit of ${after.path}; rebuilding it: ${(error as Error).stack ?? error}`);
      return undefined;
    }
  }

  /** A mesh rule's findings, checked against a run on an empty cache store in the verification mode. */
  private runMeshRule(rule: MeshRule, mesh: MeshModel, meshKey: string): Finding[] {
    const findings = this.cachedMeshRule(rule, mesh, meshKey);
    if (this.verifyCache) {
      const recomputed = this.runRule(rule, () => rule.check(mesh, { cache: new CacheStore() }));
      if (JSON.stringify(recomputed) !== JSON.stringify(findings)) throw new CacheVerificationError(rule, findings, recomputed);
    }
    return findings;
  }

  /** A mesh rule's findings; the last run's for the same mesh when the rule declares what it reads and that is unchanged. */
  private cachedMeshRule(rule: MeshRule, mesh: MeshModel, meshKey: string): Finding[] {
    const context = this.ruleContext;
    if (!rule.reads) return this.runRule(rule, () => rule.check(mesh, context));
    const inputs = this.runRule(rule, () => rule.reads!(mesh, context) as unknown[]);
    let memos = this.meshRuleMemos.get(rule);
    if (!memos) {
      memos = new Map();
      this.meshRuleMemos.set(rule, memos);
    }
    const memo = memos.get(meshKey);
    if (memo && sameItems(memo.inputs, inputs)) return memo.findings;
    const findings = this.runRule(rule, () => rule.check(mesh, context));
    memos.set(meshKey, { inputs, findings });
    return findings;
  }

  /** The mesh rules' findings, one step per rule and mesh (see `analysisSteps`). */
  private *meshRuleSteps(meshes: readonly MeshModel[]): Generator<void, Finding[]> {
    const findings: Finding[] = [];
    for (const [index, mesh] of meshes.entries()) {
      const meshFindings: Finding[] = [];
      for (const rule of this.meshRules) {
        meshFindings.push(...this.runMeshRule(rule, mesh, `${mesh.root}\u0000${index}`));
        yield;
      }
      // Folded over the mesh's whole list, after the per-rule caches: a cause fixed in one edit frees its consequences.
      findings.push(...withCompositionContext(mesh, [...foldConsequences(meshFindings)]));
    }
    return findings;
  }

  /**
   * The meshes of one root and their mesh-rule findings: the previous ones when no file of the root changed;
   * the previous models with the file's resources swapped in, or the clusters holding the file rebuilt, when
   * one file changed (see mesh/reuse.ts); otherwise rebuilt. Kept only once complete.
   */
  private *rootSteps(root: string, files: WorkspaceFile[], settings: MeshSettings, key: string): Generator<void, RootAnalysis> {
    const previous = this.roots.get(root);
    if (previous && previous.settingsKey === key && sameItems(previous.files, files)) return previous;
    const edited = previous && previous.settingsKey === key ? onlyChangedFile(previous.files, files) : undefined;
    const reused = edited && previous && this.reuseContained(previous.meshes, edited.before, edited.after, settings);
    const meshes = reused ?? this.buildMeshesContained(files, settings);
    yield;
    const findings = yield* this.meshRuleSteps(meshes);
    const analysis: RootAnalysis = { files, settingsKey: key, meshes, findingsByFile: groupByFile(findings, previous?.findingsByFile) };
    this.roots.set(root, analysis);
    return analysis;
  }

  analyze(workspace: Workspace, settings: AnalysisOptions): AnalysisResult {
    const steps = this.analysisSteps(workspace, settings);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `analyze` as steps: it pauses after building each root's models and after each mesh rule, so a caller
   * (the language server) can serve newer changes between steps and abandon an analysis they supersede. The
   * files are the workspace's when it starts; an abandoned analysis leaves the state of the last complete one.
   */
  *analysisSteps(workspace: Workspace, settings: AnalysisOptions): Generator<void, AnalysisResult> {
    const files = workspace.allFiles();
    const key = settingsKey(settings);
    const meshes: MeshModel[] = [];
    const grouping = this.groupByRoot(files, settings.roots);
    for (const root of this.roots.keys()) if (!grouping.byRoot.has(root)) this.roots.delete(root);
    const analyses = new Map<string, RootAnalysis>();
    for (const [root, rootFiles] of grouping.byRoot) {
      const analysis = yield* this.rootSteps(root, rootFiles, settings, key);
      meshes.push(...analysis.meshes);
      analyses.set(root, analysis);
    }
    const last = this.lastRun;
    const levels = settings.rules ?? {};
    // Other levels change every file's findings: then each is merged and tuned again.
    const rulesKey = JSON.stringify(levels);
    const retune = last?.rulesKey !== rulesKey;
    const paths = grouping.replaced && last && !retune ? pathsToMergeAgain(grouping.replaced, last.analyses, analyses) : undefined;
    // A file's findings: its own (parse and resource rules), then each root's mesh findings in it, roots in order.
    const partsOf = (path: string): Finding[][] => {
      const file = workspace.getFile(path);
      const parts = file ? [this.findingsOfFile(file)] : [];
      for (const analysis of analyses.values()) {
        const found = analysis.findingsByFile.get(path);
        if (found) parts.push(found);
      }
      return parts;
    };
    const findings = paths && last ? new Map(last.findings) : new Map<string, Finding[]>();
    const merged = paths ? new Map(this.merged) : new Map<string, MergedFindings>();
    const changed = new Set<string>();
    for (const path of paths ?? allPaths(files, analyses)) {
      const parts = partsOf(path);
      if (parts.length === 0) {
        findings.delete(path);
        merged.delete(path);
        continue;
      }
      let entry = this.merged.get(path);
      if (retune || !entry || !sameItems(entry.parts, parts)) {
        // Suppression comes after the rules, once per file, so the editor and the CLI silence the same findings.
        const list = tuneFindings(parts.flat(), workspace.getFile(path)?.yaml, levels, this.knownCodes);
        entry = { parts, findings: entry && sameFindings(entry.findings, list) ? entry.findings : list };
        if (entry.findings === list) changed.add(path);
      }
      merged.set(path, entry);
      findings.set(path, entry.findings);
    }
    for (const path of this.merged.keys()) if (!merged.has(path)) changed.add(path);
    this.merged = merged;
    this.lastRun = { files, rootsKey: grouping.rootsKey, byRoot: grouping.byRoot, analyses, findings, rulesKey };
    return { findings, meshes, changed };
  }

  /**
   * The files grouped by root folder. After an edit that only replaced files (the same paths in the same order,
   * as a keystroke does), the last grouping with those files swapped in, and the paths replaced: grouping
   * thousands of paths again costs more than the rest of a keystroke's bookkeeping.
   */
  private groupByRoot(
    files: readonly WorkspaceFile[],
    roots: readonly string[],
  ): { byRoot: Map<string, WorkspaceFile[]>; rootsKey: string; replaced?: string[] } {
    const rootsKey = roots.join('\u0000');
    const last = this.lastRun;
    const swaps = last && last.rootsKey === rootsKey ? replacedFiles(last.files, files) : undefined;
    if (!last || !swaps) return { byRoot: filesByRoot(files, roots), rootsKey };
    const byRoot = new Map(last.byRoot);
    for (const { before, after } of swaps) {
      const found = [...byRoot].find(([, group]) => group.includes(before));
      if (!found) return { byRoot: filesByRoot(files, roots), rootsKey };
      const [root, group] = found;
      const copy = group === last.byRoot.get(root) ? group.slice() : group;
      copy[group.indexOf(before)] = after;
      byRoot.set(root, copy);
    }
    return { byRoot, rootsKey, replaced: swaps.map((swap) => swap.after.path) };
  }
}

/** Every path a full merge visits: the workspace's files in order, then other files the mesh rules report in. */
function allPaths(files: readonly WorkspaceFile[], analyses: ReadonlyMap<string, RootAnalysis>): Set<string> {
  const paths = new Set(files.map((file) => file.path));
  for (const analysis of analyses.values()) for (const path of analysis.findingsByFile.keys()) paths.add(path);
  return paths;
}

/**
 * The paths whose findings may differ from the last merge's: the files replaced, and every file a re-analysed
 * root reported in, before or now. Undefined (merge everything) when the roots themselves changed.
 */
function pathsToMergeAgain(
  replaced: readonly string[],
  before: ReadonlyMap<string, RootAnalysis>,
  after: ReadonlyMap<string, RootAnalysis>,
): Set<string> | undefined {
  if (before.size !== after.size) return undefined;
  const paths = new Set(replaced);
  for (const [root, analysis] of after) {
    const previous = before.get(root);
    if (!previous) return undefined;
    if (previous === analysis) continue;
    for (const path of previous.findingsByFile.keys()) paths.add(path);
    for (const path of analysis.findingsByFile.keys()) paths.add(path);
  }
  return paths;
}

/** A file replaced by a new version of it. */
interface FileSwap {
  before: WorkspaceFile;
  after: WorkspaceFile;
}

/** The files replaced by a new version, when that is all that changed (same paths, same order, a few of them). */
function replacedFiles(before: readonly WorkspaceFile[], after: readonly WorkspaceFile[]): FileSwap[] | undefined {
  if (before.length !== after.length) return undefined;
  const swaps: FileSwap[] = [];
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    if (before[i].path !== after[i].path || swaps.length === MAX_SWAPPED_FILES) return undefined;
    swaps.push({ before: before[i], after: after[i] });
  }
  return swaps;
}
