import type { SourceLocation } from '../parse/text';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface RelatedInformation {
  location: SourceLocation;
  message: string;
}

/** What a rule reports: plain data, turned into LSP diagnostics or CLI lines by the layers above. */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  location: SourceLocation;
  /** The cluster(s) the finding is about, when it is about one. */
  cluster?: string;
  related?: RelatedInformation[];
  /** Facts a quick fix needs (e.g. the value to write); never credentials. */
  fix?: Record<string, unknown>;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };
