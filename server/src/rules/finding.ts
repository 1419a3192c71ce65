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
  /**
   * The facts this finding reports as wrong, named by `rules/facts.ts`. A finding of the same mesh that is
   * explained by one of them is folded into this one (engine/folding.ts) instead of being reported on its own.
   */
  explains?: string[];
  /** The facts this finding follows from: while another finding reports one of them, this one is a note on it. */
  explainedBy?: string[];
  /**
   * What this finding says when folded into its cause, to be read after "so": "remote cluster cluster2 cannot
   * reach istiod of cluster1". Without it the cause quotes the message.
   */
  consequence?: string;
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
