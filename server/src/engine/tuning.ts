import type { IgnoreComment, YamlFile } from '../parse/yamlFile';
import type { Finding, Fix, Severity } from '../rules/finding';

/** What `istioMesh.rules` may set a code to. */
export const RULE_LEVELS = ['off', 'information', 'warning', 'error'] as const;
export type RuleLevel = (typeof RULE_LEVELS)[number];
/** `istioMesh.rules`: a level per finding code. */
export type RuleLevels = Readonly<Record<string, RuleLevel>>;

/** The code of an ignore comment that silences nothing. */
export const UNUSED_SUPPRESSION = 'SUPPRESS001';

const WHERE: Record<IgnoreComment['scope'], string> = { file: 'in this file', document: 'in this document', line: 'on the line after it' };

function isCoveredBy(comment: IgnoreComment, finding: Finding, file: YamlFile): boolean {
  if (!comment.codes.includes(finding.code) || finding.location.file !== file.file) return false;
  if (comment.scope === 'file') return true;
  const start = finding.location.range.start;
  if (comment.scope === 'line') return start.line === file.lines.positionAt(comment.target!).line;
  const document = file.documents[comment.document!];
  const offset = file.lines.offsetAt(start);
  return offset >= document.startOffset && (offset < document.endOffset || document === file.documents.at(-1));
}

/** The SUPPRESS001 finding of a comment whose codes `unused` silenced nothing. */
function unusedSuppression(file: YamlFile, comment: IgnoreComment, unused: readonly string[], knownCodes: ReadonlySet<string>): Finding {
  const unknown = unused.filter((code) => !knownCodes.has(code));
  const known = unused.filter((code) => knownCodes.has(code));
  const reasons = [
    ...(known.length ? [`no ${known.join(' or ')} finding is reported ${WHERE[comment.scope]}`] : []),
    ...(unknown.length ? [`${unknown.join(', ')} ${unknown.length === 1 ? 'is not a code' : 'are not codes'} Istio Mesh reports`] : []),
  ];
  return {
    code: UNUSED_SUPPRESSION,
    severity: 'information',
    message: `This ignore comment silences nothing for ${unused.join(', ')}: ${reasons.join('; ')}. Remove ${unused.length === 1 ? 'it' : 'them'} from the comment.`,
    location: { file: file.file, range: file.lines.rangeOf(comment.start, comment.end) },
  };
}

/**
 * A file's findings as the user asked to see them: those its `# istio-mesh: ignore=` comments cover dropped
 * (and each code of a comment that covers nothing reported as SUPPRESS001), then `istioMesh.rules` applied (a
 * code turned off dropped, another level replacing the rule's). Suppression comes first, so a comment stays
 * used while its code is turned off. The same list when there is nothing to change.
 */
export function tuneFindings(findings: Finding[], file: YamlFile | undefined, levels: RuleLevels, knownCodes: ReadonlySet<string>): Finding[] {
  const comments = file?.ignoreComments ?? [];
  let tuned = findings;
  if (file && comments.length > 0) {
    const used = comments.map(() => new Set<string>());
    tuned = findings.filter((finding) => {
      let covered = false;
      comments.forEach((comment, i) => {
        if (!isCoveredBy(comment, finding, file)) return;
        used[i].add(finding.code);
        covered = true;
      });
      return !covered;
    });
    const unused = comments.flatMap((comment, i) => {
      const codes = comment.codes.filter((code) => !used[i].has(code) && code !== UNUSED_SUPPRESSION);
      return codes.length ? [unusedSuppression(file, comment, codes, knownCodes)] : [];
    });
    // A comment can silence SUPPRESS001 itself (`ignore=SUPPRESS001` at the top of a file); that never counts as unused.
    tuned.push(...unused.filter((finding) => !comments.some((comment) => isCoveredBy(comment, finding, file))));
  }
  if (Object.keys(levels).length === 0) return tuned;
  const leveled: Finding[] = [];
  for (const finding of tuned) {
    const level = levels[finding.code];
    if (level === 'off') continue;
    leveled.push(level === undefined || level === finding.severity ? finding : { ...finding, severity: level as Severity });
  }
  return leveled.length === tuned.length && leveled.every((finding, i) => finding === tuned[i]) ? tuned : leveled;
}

/** The document of `file` that holds `offset` (the last one for the end of the text). */
function documentAt(file: YamlFile, offset: number) {
  return file.documents.find((doc) => offset >= doc.startOffset && offset < doc.endOffset) ?? file.documents.at(-1);
}

/**
 * "Suppress CODE for this document": `# istio-mesh: ignore=CODE` right above the document's content (after its
 * `---` and its own comments), or the code added to the ignore comment the document already opens with.
 */
export function suppressionFix(file: YamlFile, finding: Finding): Fix | undefined {
  if (finding.location.file !== file.file || finding.code === UNUSED_SUPPRESSION) return undefined;
  const document = documentAt(file, file.lines.offsetAt(finding.location.range.start));
  if (!document) return undefined;
  const title = `Suppress ${finding.code} for this document`;
  const existing = file.ignoreComments.find((comment) => comment.scope === 'document' && comment.document === document.index);
  const codes = existing && /ignore=\S*/.exec(file.text.slice(existing.start, existing.end));
  if (existing && codes) {
    const at = file.lines.positionAt(existing.start + codes.index + codes[0].length);
    return { title, edits: [{ location: { file: file.file, range: { start: at, end: at } }, newText: `,${finding.code}` }] };
  }
  const contentLine = document.contentRange.start.line;
  // Content on the `---` line itself (`--- {a: 1}`) leaves no line to write the comment above.
  if (file.lines.lineStart(contentLine) === document.startOffset && file.text.startsWith('---', document.startOffset)) return undefined;
  const at = { line: contentLine, character: 0 };
  return { title, edits: [{ location: { file: file.file, range: { start: at, end: at } }, newText: `# istio-mesh: ignore=${finding.code}\n` }] };
}
