import { type Finding, type RelatedInformation, SEVERITY_RANK } from '../rules/finding';

/** A consequence's message in its cause when it says nothing shorter (`Finding.consequence`). */
function consequenceText(finding: Finding): string {
  return finding.consequence ?? `${finding.code}: ${finding.message}`;
}

/** How many leading path characters two files share: the cause nearest a consequence is the likelier one. */
function sharedPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}

/** The cause with its consequences folded in: named in its message, each pointed at in its related information. */
function withConsequences(cause: Finding, consequences: readonly Finding[]): Finding {
  const texts = [...new Set(consequences.map(consequenceText))];
  const more = texts.length - 1;
  const stop = /[.!?]$/.test(cause.message) ? '' : '.';
  const message = `${cause.message}${stop} So ${texts[0]}${more > 0 ? ` (and ${more} more: see related information)` : ''}.`;
  const related: RelatedInformation[] = consequences.map((c) => ({ location: c.location, message: `so ${consequenceText(c)} (${c.code})` }));
  // A consequence more severe than its cause would otherwise lower what the user is told.
  const severity = consequences.reduce((worst, c) => (SEVERITY_RANK[c.severity] > SEVERITY_RANK[worst] ? c.severity : worst), cause.severity);
  return { ...cause, severity, message, related: [...(cause.related ?? []), ...related] };
}

/**
 * Folds consequences into their causes, over one mesh's findings once every rule has run (after the per-rule
 * caches, so an edit that fixes a cause brings back a consequence that still holds). A finding is folded when a
 * finding it is explained by is reported, or is itself folded into a reported one; it goes to the reported
 * cause whose file is nearest its own (then the first). Findings that only explain each other (a cycle) are
 * all reported: nothing is hidden without a cause to show it.
 */
export function foldConsequences(findings: readonly Finding[]): readonly Finding[] {
  const explainers = new Map<string, number[]>();
  findings.forEach((finding, index) => {
    for (const fact of finding.explains ?? []) explainers.set(fact, [...(explainers.get(fact) ?? []), index]);
  });
  if (explainers.size === 0) return findings;
  const causes = findings.map((finding, index) =>
    [...new Set((finding.explainedBy ?? []).flatMap((fact) => explainers.get(fact) ?? []))].filter((c) => c !== index),
  );
  if (causes.every((list) => list.length === 0)) return findings;
  // reportedAs[i]: the reported finding i is shown in (i itself when reported); decided in rounds, causes first.
  const reportedAs = causes.map((list, index) => (list.length === 0 ? index : undefined));
  // Direct consequences are decided in the first round and named first.
  const folded = new Map<number, Finding[]>();
  for (let decided = true; decided;) {
    decided = false;
    const round = causes.map((list, index) => {
      if (reportedAs[index] !== undefined) return undefined;
      const candidates = list.map((c) => reportedAs[c]).filter((c): c is number => c !== undefined);
      if (candidates.length === 0) return undefined;
      const file = findings[index].location.file;
      return candidates.reduce((best, c) => (sharedPrefix(findings[c].location.file, file) > sharedPrefix(findings[best].location.file, file) ? c : best));
    });
    round.forEach((cause, index) => {
      if (cause === undefined) return;
      reportedAs[index] = cause;
      folded.set(cause, [...(folded.get(cause) ?? []), findings[index]]);
      decided = true;
    });
  }
  return findings.flatMap((finding, index) => {
    const cause = reportedAs[index];
    if (cause !== undefined && cause !== index) return [];
    const consequences = folded.get(index);
    return consequences ? [withConsequences(finding, consequences)] : [finding];
  });
}
