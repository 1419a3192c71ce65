import type { YamlProblem } from '../parse/yamlFile';
import { buildMeshes, type MeshModel, type MeshSettings } from '../mesh/model';
import type { Finding } from '../rules/finding';
import type { MeshRule, ResourceRule, Rule } from '../rules/rule';
import { ALL_RULES } from '../rules';
import type { Workspace, WorkspaceFile } from './workspace';

export interface AnalysisResult {
  /** Findings by absolute file path; every analysed file has an entry, empty when clean. */
  findings: Map<string, Finding[]>;
  meshes: MeshModel[];
}

export type Logger = (message: string) => void;

function yamlFinding(file: string, problem: YamlProblem): Finding {
  return { code: problem.code, severity: problem.severity, message: problem.message, location: { file, range: problem.range } };
}

/**
 * Runs the rules on a workspace. Per-resource findings are cached per parsed file, so a keystroke re-runs
 * those rules for its own file only; mesh rules see the whole model.
 */
export class Analyzer {
  private readonly resourceRules: ResourceRule[];
  private readonly meshRules: MeshRule[];
  private readonly fileFindings = new WeakMap<WorkspaceFile, Finding[]>();
  private readonly failedRules = new Set<string>();
  private lastModelFailure: string | undefined;

  constructor(
    rules: readonly Rule[] = ALL_RULES,
    private readonly log: Logger = () => {},
  ) {
    this.resourceRules = rules.filter((r): r is ResourceRule => r.scope === 'resource');
    this.meshRules = rules.filter((r): r is MeshRule => r.scope === 'mesh');
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

  analyze(workspace: Workspace, settings: MeshSettings): AnalysisResult {
    const files = workspace.allFiles();
    const findings = new Map<string, Finding[]>();
    for (const file of files) findings.set(file.path, [...this.findingsOfFile(file)]);
    const meshes = this.buildMeshesContained(files, settings);
    for (const mesh of meshes) {
      for (const rule of this.meshRules) {
        for (const finding of this.runRule(rule, () => rule.check(mesh))) {
          const list = findings.get(finding.location.file);
          if (list) list.push(finding);
          else findings.set(finding.location.file, [finding]);
        }
      }
    }
    return { findings, meshes };
  }
}
