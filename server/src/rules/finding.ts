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
  /** Quick fixes, offered as code actions; never carrying credentials. */
  fixes?: Fix[];
}

/** Replace the text at `location` (an empty range inserts). */
export interface TextReplacement {
  location: SourceLocation;
  newText: string;
}

/** Create a new file (a generator's output); refused if the file exists. */
export interface FileCreation {
  createFile: string;
  content: string;
}

export type FixEdit = TextReplacement | FileCreation;

export interface Fix {
  /** What the light bulb shows: "Change meshID to mesh1". */
  title: string;
  edits: FixEdit[];
  /** The one fix to apply with "Fix all"/auto-fix when there is an obvious choice. */
  preferred?: boolean;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };
