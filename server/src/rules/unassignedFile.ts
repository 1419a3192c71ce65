import { basename, dirname, relative, sep } from 'node:path';

import { compositionUnitOf } from '../compose/composedDocument';
import { fileNameMentions } from '../mesh/assignment';
import { unassignedResources } from '../mesh/model';
import type { Resource } from '../resources/resource';
import type { Finding, Fix } from './finding';
import type { MeshRule } from './rule';

/** How many of a folder's files the message names; the rest are counted. */
const FILES_NAMED = 3;

/** The light bulb offers at most this many clusters to assign a file to (the folder's match first). */
const MAX_ASSIGN_FIXES = 10;

/** "Assign this file to cluster X": the comment the message spells out, at the top of the file. */
function assignFix(file: string, cluster: string, preferred: boolean): Fix {
  const top = { line: 0, character: 0 };
  return {
    title: `Assign this file to cluster ${cluster}`,
    preferred,
    edits: [{ location: { file, range: { start: top, end: top } }, newText: `# istio-mesh: cluster=${cluster}\n` }],
  };
}

/**
 * The cluster a folder of the path is named after or mentions as a whole token (`clusters/Cluster2/`,
 * `east-apps/`), the deepest folder first; a folder that mentions two clusters names neither.
 */
function clusterFolderMentions(folder: string, root: string, clusterNames: readonly string[]): string | undefined {
  const segments = relative(root, folder)
    .split(sep)
    .filter((s) => s && s !== '..');
  for (const segment of segments.reverse()) {
    const named = clusterNames.filter((name) => fileNameMentions(segment, name));
    if (named.length === 1) return named[0];
  }
  return undefined;
}

/**
 * Every recognised resource is applied to some cluster, so one that belongs to none is left out of the checks
 * that compare clusters (checks of what a cluster has count it as present in every cluster). Said once per
 * folder, on the first unassigned resource of its first file, with how to assign it and the cluster the
 * folder's name suggests; and once per overlay whose composed objects belong to no cluster, on the entry that
 * brings the first in (a comment in its base would assign every overlay's copy).
 */
export const unassignedFile: MeshRule = {
  scope: 'mesh',
  code: 'MESH001',
  title: 'A file belongs to no cluster',
  severity: 'information',
  check(mesh) {
    if (mesh.clusters.size === 0) return [];
    const clusterNames = [...mesh.clusters.keys()].sort();
    // Per folder, the first unassigned resource of each of its files; per overlay, the objects it composes.
    const folders = new Map<string, Map<string, Resource>>();
    const overlays = new Map<string, Resource[]>();
    for (const resource of unassignedResources(mesh)) {
      const unit = compositionUnitOf(resource);
      if (unit) {
        overlays.set(unit.folder, [...(overlays.get(unit.folder) ?? []), resource]);
        continue;
      }
      const folder = dirname(resource.file);
      const files = folders.get(folder) ?? new Map<string, Resource>();
      if (!files.has(resource.file)) files.set(resource.file, resource);
      folders.set(folder, files);
    }
    const findings: Finding[] = [];
    const clustersHere = `(clusters here: ${clusterNames.join(', ')})`;
    for (const [folder, files] of folders) {
      const firsts = [...files.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const [first, ...others] = firsts;
      const folderCluster = clusterFolderMentions(folder, mesh.root, clusterNames);
      const proposed = folderCluster ?? clusterNames[0];
      const offered = [proposed, ...clusterNames.filter((name) => name !== proposed)].slice(0, MAX_ASSIGN_FIXES);
      const them = others.length === 0 ? 'it' : 'them';
      const what =
        others.length === 0
          ? `${first.displayName} belongs to no cluster`
          : `${firsts.length} files of folder ${relative(mesh.root, folder) || basename(folder)}/ belong to no cluster (${firsts
              .slice(0, FILES_NAMED)
              .map((r) => basename(r.file))
              .join(', ')}${firsts.length > FILES_NAMED ? ', ...' : ''})`;
      findings.push({
        code: 'MESH001',
        severity: 'information',
        message: `${what}, so checks that compare clusters skip ${them}, and checks of what a cluster has count ${them} in every cluster. Assign ${others.length === 0 ? 'the file' : 'each file'} with a "# istio-mesh: cluster=${proposed}" comment at its top (a comma list for several clusters), with the istioMesh.clusters setting, by moving it into a cluster's folder, or by naming the cluster in the file name ${clustersHere}.`,
        location: first.location(['kind']),
        fixes: offered.map((name) => assignFix(first.file, name, name === folderCluster)),
        ...(others.length
          ? { related: others.map((r) => ({ location: r.location(['kind']), message: `${r.displayName} belongs to no cluster either` })) }
          : {}),
      });
    }
    for (const [folder, resources] of overlays) {
      const unit = compositionUnitOf(resources[0])!;
      const names =
        resources
          .slice(0, FILES_NAMED)
          .map((r) => r.displayName)
          .join(', ') + (resources.length > FILES_NAMED ? ', ...' : '');
      findings.push({
        code: 'MESH001',
        severity: 'information',
        message: `The objects the overlay ${relative(mesh.root, folder) || basename(folder)}/ composes (${names}) belong to no cluster, so checks that compare clusters skip them, and checks of what a cluster has count them in every cluster. Name the overlay's folder after its cluster, compose a control plane that names it, or list the folder in the istioMesh.clusters setting ${clustersHere}.`,
        location: unit.document.sourceOf(unit.path),
      });
    }
    return findings;
  },
};
