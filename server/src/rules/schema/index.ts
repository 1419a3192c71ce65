import { MISSPELT_API_GROUPS, RECOGNISED_KINDS } from '../../resources/kinds';
import type { Resource } from '../../resources/resource';
import type { Finding, Severity } from '../finding';
import { yamlScalar } from '../fixes';
import { findRemovedValues } from '../removedValues';
import type { ResourceRule } from '../rule';
import { type SchemaCode, type SchemaProblem, validateResource } from './validator';

const TITLES: Record<SchemaCode, string> = {
  SCHEMA001: 'Unknown field',
  SCHEMA002: 'Value of the wrong type',
  SCHEMA003: 'Value not allowed',
  SCHEMA004: 'Required field missing',
  SCHEMA005: 'Value out of range or of the wrong form',
  SCHEMA006: 'Fields that exclude each other',
};

const startsWith = (path: readonly unknown[], prefix: readonly unknown[]) => prefix.every((segment, i) => String(path[i]) === String(segment));

function isMisspeltGroup(resource: Resource): boolean {
  return resource.apiVersion.split('/')[0] in MISSPELT_API_GROUPS;
}

/** Problems the schema rules report: what IOP001/IOP002 explain better is left to them. */
function reportedProblems(resource: Resource): SchemaProblem[] {
  // Install sources (HelmRelease, Application, Sail, Helm values, ...) have no schema here; their own rules check them.
  if (!(resource.kind in RECOGNISED_KINDS)) return [];
  // A Go template's shape is what Helm renders: a blanked `include` leaves a field out, a placeholder stands
  // for a number or a map. Its literal values are checked by the mesh rules; its schema only once rendered.
  if (resource.doc.file.template) return [];
  // A document with a syntax error is read only in part: what its fields seem to be is the error's consequence.
  if (resource.doc.problems.some((problem) => problem.code === 'YAML001')) return [];
  const problems = validateResource(resource);
  // Nearly every resource is valid: what is left to other rules is looked up only when there is something to filter.
  if (problems.length === 0) return problems;
  const removed = findRemovedValues(resource).map((found) => found.path);
  const misspelt = isMisspeltGroup(resource);
  return problems.filter((problem) => {
    if (misspelt && problem.path[0] === 'apiVersion') return false;
    if (problem.code === 'SCHEMA001' && removed.some((path) => startsWith(path, problem.path))) return false;
    // A removed profile (`external`) is judged by IOP001 against the Istio version the cluster targets.
    if (problem.code === 'SCHEMA003' && removed.some((path) => path.length === problem.path.length && startsWith(path, problem.path))) return false;
    return true;
  });
}

/**
 * One validation per resource, shared by the six rules (each reports its own code). The analysis runs every
 * resource rule on one resource before the next and keeps their findings per file, so only the last
 * resource's problems are kept: an entry per resource would stay as long as the workspace does.
 */
let lastValidated: { resource: Resource; problems: SchemaProblem[] } | undefined;
function cachedProblems(resource: Resource): SchemaProblem[] {
  if (lastValidated?.resource !== resource) lastValidated = { resource, problems: reportedProblems(resource) };
  return lastValidated.problems;
}

/**
 * IstioOperator `spec.values` are Helm chart values: their schema is inferred from the charts' defaults, and
 * people do set chart keys that we may not know, so anything found there is a warning.
 */
function severityOf(resource: Resource, problem: SchemaProblem): Severity {
  return resource.kind === 'IstioOperator' && startsWith(problem.path, ['spec', 'values']) && problem.path.length > 2 ? 'warning' : 'error';
}

function schemaRule(code: SchemaCode): ResourceRule {
  return {
    scope: 'resource',
    code,
    title: TITLES[code],
    severity: 'error',
    check(resource): Finding[] {
      return cachedProblems(resource)
        .filter((problem) => problem.code === code)
        .map((problem) => ({
          code,
          severity: severityOf(resource, problem),
          message: problem.message,
          location: resource.location(problem.path, problem.part),
          fixes:
            problem.suggestion === undefined
              ? undefined
              : [
                  {
                    title: `Change to ${problem.suggestion}`,
                    preferred: true,
                    edits: [{ location: resource.location(problem.path, problem.part), newText: yamlScalar(problem.suggestion) }],
                  },
                ],
        }));
    },
  };
}

export const SCHEMA_RULES: readonly ResourceRule[] = (Object.keys(TITLES) as SchemaCode[]).map(schemaRule);
