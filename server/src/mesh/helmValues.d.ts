import type { WorkspaceFile } from '../engine/workspace';
import { Located, type Resource } from '../resources/resource';
/** `istioMesh.helmValues` entries: the values files at `paths` (globs relative to a workspace root) are for `chart`. */
export interface HelmValuesSetting {
    chart: string;
    paths: string[];
}
/**
 * Which chart a Helm values file is for, in the documented order: the `# istio-mesh: chart=` directive, the
 * `istioMesh.helmValues` setting, then its content. The value points at the whole document (a directive
 * is a comment, and content is many keys).
 */
export declare function helmValuesChart(resource: Resource, roots: readonly string[], settings: readonly HelmValuesSetting[]): Located<string> | undefined;
/**
 * The files with the values documents the setting names added as resources: a values file with neither a
 * directive nor telling content is recognised only once the setting says what it is.
 */
export declare function withSettingHelmValues(files: readonly WorkspaceFile[], roots: readonly string[], settings: readonly HelmValuesSetting[]): readonly WorkspaceFile[];
