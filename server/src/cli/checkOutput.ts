import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ALL_RULES } from '../rules';
import type { Finding, Severity } from '../rules/finding';

/** How `istio-mesh check` prints its findings. */
export const CHECK_FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** A text line's message is cut here (with "…"): the whole message is in `--verbose` and in JSON. */
export const SHORT_MESSAGE_LENGTH = 160;

/** The package's folder (package.json, docs/): above dist/cli.js, or above the compiled module in tests. */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

interface PackageInfo {
  version: string;
  /** The repository's web address, where docs/rules/ pages are linked from SARIF. */
  repository?: string;
}

let packageInfo: PackageInfo | undefined;

/** The version and repository of package.json, read once (`--version`, SARIF). */
export function packageInfoOf(): PackageInfo {
  if (packageInfo) return packageInfo;
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string; repository?: { url?: string } | string };
  const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  packageInfo = { version: manifest.version, repository: url?.replace(/^git\+/, '').replace(/\.git$/, '') };
  return packageInfo;
}

const posixPath = (path: string) => path.split(sep).join('/');

/** A message on one line, cut at a word boundary before `limit` characters, "…" ending what was cut. */
export function shortMessage(message: string, limit = SHORT_MESSAGE_LENGTH): string {
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  if (oneLine.length <= limit) return oneLine;
  const head = oneLine.slice(0, limit - 1);
  const wordEnd = head.lastIndexOf(' ');
  return `${(wordEnd > limit / 2 ? head.slice(0, wordEnd) : head).trimEnd()}…`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** `12 problems (3 errors, 8 warnings, 1 info)`: hints count as infos. */
export function problemSummary(findings: readonly Finding[]): string {
  const count = (...severities: Severity[]) => findings.filter((f) => severities.includes(f.severity)).length;
  return `${plural(findings.length, 'problem')} (${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('information', 'hint'), 'info')})`;
}

/**
 * ESLint's "stylish" layout: the findings of each file under its name (relative to `cwd`), one line each,
 * `  line:col  severity  message  code` in aligned columns (1-based positions), messages cut to
 * SHORT_MESSAGE_LENGTH unless `verbose`; a blank line between files; then the summary. Findings come sorted by file.
 */
export function formatText(findings: readonly Finding[], cwd: string, verbose = false): string {
  const lines: string[] = [];
  let start = 0;
  while (start < findings.length) {
    const file = findings[start].location.file;
    let end = start;
    while (end < findings.length && findings[end].location.file === file) end++;
    const rows = findings.slice(start, end).map((f) => ({
      where: `${f.location.range.start.line + 1}:${f.location.range.start.character + 1}`,
      severity: f.severity,
      message: verbose ? f.message : shortMessage(f.message),
      code: f.code,
    }));
    const width = (key: 'where' | 'severity' | 'message') => Math.max(...rows.map((row) => row[key].length));
    const [whereWidth, severityWidth, messageWidth] = [width('where'), width('severity'), width('message')];
    lines.push(relative(cwd, file) || file);
    // Codes align after messages up to the short length; a longer (--verbose) message is followed by its code.
    const messageColumn = Math.min(messageWidth, SHORT_MESSAGE_LENGTH);
    for (const row of rows)
      lines.push(`  ${row.where.padEnd(whereWidth)}  ${row.severity.padEnd(severityWidth)}  ${row.message.padEnd(messageColumn)}  ${row.code}`);
    lines.push('');
    start = end;
  }
  lines.push(problemSummary(findings));
  return lines.join('\n');
}

export function formatJson(findings: readonly Finding[], cwd: string): string {
  return JSON.stringify(
    findings.map((f) => ({
      file: relative(cwd, f.location.file),
      range: f.location.range,
      severity: f.severity,
      code: f.code,
      message: f.message,
      ...(f.cluster ? { cluster: f.cluster } : {}),
      ...(f.related?.length ? { related: f.related.map((r) => ({ file: relative(cwd, r.location.file), range: r.location.range, message: r.message })) } : {}),
    })),
    null,
    2,
  );
}

/** A rule's docs page as shipped beside the CLI, when it is. */
function docsPage(code: string): string | undefined {
  const page = join(packageRoot(), 'docs', 'rules', `${code}.md`);
  return existsSync(page) ? readFileSync(page, 'utf8') : undefined;
}

const SARIF_LEVELS: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** A SARIF region: 1-based lines and columns, in UTF-16 code units (the run says so). */
function sarifRegion(range: Finding['location']['range']) {
  return { startLine: range.start.line + 1, startColumn: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
}

function sarifLocation(file: string, range: Finding['location']['range'], cwd: string) {
  return { physicalLocation: { artifactLocation: { uri: encodeURI(posixPath(relative(cwd, file))), uriBaseId: 'SRCROOT' }, region: sarifRegion(range) } };
}

/**
 * SARIF 2.1.0, as GitHub code scanning reads it: one run whose driver lists the rules the results use (title and
 * help from the docs page, helpUri to it in the repository), results with physical locations relative to `cwd`
 * (the `SRCROOT` base), related locations for the other places a finding names.
 */
export function formatSarif(findings: readonly Finding[], cwd: string): string {
  const { version, repository } = packageInfoOf();
  const ruleSeverity = new Map<string, Severity>(ALL_RULES.map((rule) => [rule.code, rule.severity]));
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  const rules = codes.map((code) => {
    const page = docsPage(code);
    const title = (page && /^#\s+\S+\s+[—–-]\s+(.+)$/m.exec(page)?.[1]) || code;
    const severity = ruleSeverity.get(code);
    return {
      id: code,
      shortDescription: { text: title },
      ...(repository ? { helpUri: `${repository}/blob/main/docs/rules/${code}.md` } : {}),
      ...(page ? { help: { text: page, markdown: page } } : {}),
      ...(severity ? { defaultConfiguration: { level: SARIF_LEVELS[severity] } } : {}),
    };
  });
  const ruleIndex = new Map(codes.map((code, i) => [code, i]));
  const results = findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: ruleIndex.get(f.code)!,
    level: SARIF_LEVELS[f.severity],
    message: { text: f.message },
    locations: [sarifLocation(f.location.file, f.location.range, cwd)],
    ...(f.related?.length
      ? { relatedLocations: f.related.map((r, id) => ({ id, ...sarifLocation(r.location.file, r.location.range, cwd), message: { text: r.message } })) }
      : {}),
    ...(f.cluster ? { properties: { cluster: f.cluster } } : {}),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'istio-mesh', version, semanticVersion: version, ...(repository ? { informationUri: repository } : {}), rules } },
        originalUriBaseIds: { SRCROOT: { uri: `${pathToFileURL(cwd).href.replace(/\/?$/, '/')}` } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

const GITHUB_COMMANDS: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };

/** A workflow command's message: `%`, CR and LF escaped, as GitHub's toolkit escapes them. */
export function escapeGithubData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: also `:` and `,`, which end a property. */
export function escapeGithubProperty(text: string): string {
  return escapeGithubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands, one per finding: `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`
 * (notice for information), which the run shows as annotations on the files; then the summary.
 */
export function formatGithub(findings: readonly Finding[], cwd: string): string {
  const lines = findings.map((f) => {
    const { start, end } = f.location.range;
    const properties = [
      `file=${escapeGithubProperty(posixPath(relative(cwd, f.location.file)))}`,
      `line=${start.line + 1}`,
      `col=${start.character + 1}`,
      `endLine=${end.line + 1}`,
      `endColumn=${end.character + 1}`,
      `title=${escapeGithubProperty(f.code)}`,
    ];
    return `::${GITHUB_COMMANDS[f.severity]} ${properties.join(',')}::${escapeGithubData(f.message)}`;
  });
  lines.push(problemSummary(findings));
  return lines.join('\n');
}

/** The findings in the format asked for. */
export function formatFindings(format: CheckFormat, findings: readonly Finding[], cwd: string, verbose: boolean): string {
  if (format === 'json') return formatJson(findings, cwd);
  if (format === 'sarif') return formatSarif(findings, cwd);
  if (format === 'github') return formatGithub(findings, cwd);
  return formatText(findings, cwd, verbose);
}
