import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';

import type { Finding, Severity } from '../rules/finding';

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function uriToPath(uri: string): string | undefined {
  const parsed = URI.parse(uri);
  return parsed.scheme === 'file' ? parsed.fsPath : undefined;
}

export function pathToUri(path: string): string {
  return URI.file(path).toString();
}

/** Where the rule pages are: docs/rules/ next to the bundle (dist/..), unless the client says otherwise. */
export function defaultDocsBase(): string {
  return pathToFileURL(join(__dirname, '..', 'docs', 'rules') + '/').toString();
}

export function docsUri(docsBase: string, code: string): string {
  return `${docsBase.endsWith('/') ? docsBase : docsBase + '/'}${code}.md`;
}

export function toDiagnostic(finding: Finding, docsBase: string): Diagnostic {
  return {
    range: finding.location.range,
    severity: SEVERITIES[finding.severity],
    code: finding.code,
    codeDescription: { href: docsUri(docsBase, finding.code) },
    source: 'istio-mesh',
    message: finding.message,
    relatedInformation: finding.related?.map((r) => ({ location: { uri: pathToUri(r.location.file), range: r.location.range }, message: r.message })),
  };
}
