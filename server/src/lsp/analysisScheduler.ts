// Scheduling: when the workspace is analysed. Changes close together are analysed once, an analysis runs in short
// slices so the server keeps reading messages, a newer change supersedes an analysis in progress, and a request
// that needs the current model finishes it at once. Apart because these timings are the server's latency.
import type { AnalysisResult } from '../engine/analysis';

/**
 * Changes closer together than this are analysed once (messages already read by then always are). Next to
 * nothing, because an analysis that a newer change supersedes is abandoned at its next step (see `start`)
 * rather than waited for: 5 ms here was a fifth of a keystroke's latency at 200 clusters.
 */
const ANALYSIS_DELAY_MS = 1;
/** The longest an analysis runs before letting the server read newer changes (and be superseded by them). */
const ANALYSIS_SLICE_MS = 8;
/**
 * An analysis that has run this long is let finish rather than superseded, the newer change analysed right
 * after it: otherwise steady typing in a file whose analysis is slow (a model rebuild) would publish nothing.
 */
const FINISH_AFTER_MS = 250;

export interface AnalysisJobs {
  /** Starts an analysis of the workspace as it is now, as steps. */
  begin(): Generator<void, AnalysisResult>;
  /** An analysis ran to its end. */
  completed(result: AnalysisResult): void;
  /** True while the workspace is being indexed: indexing ends with an analysis of everything. */
  indexing(): boolean;
}

export class AnalysisScheduler {
  private timer: NodeJS.Timeout | undefined;
  /** The analysis running in slices, if any; a newer one replaces it, which abandons it. */
  private inFlight: Generator<void, AnalysisResult> | undefined;
  private inFlightSince = 0;
  /** A change arrived while an analysis that is let finish was running: analyse again once it has. */
  private analyseAfterInFlight = false;

  constructor(private readonly jobs: AnalysisJobs) {}

  /** Analyses soon after the latest of a burst of changes. */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Indexing ends with an analysis of everything, this change included.
      if (this.jobs.indexing()) return;
      if (this.inFlight && performance.now() - this.inFlightSince > FINISH_AFTER_MS) this.analyseAfterInFlight = true;
      else this.start();
    }, ANALYSIS_DELAY_MS);
  }

  /** A request about the current text must not see the model of an older one. */
  flush(): void {
    if (this.jobs.indexing()) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.runNow();
    } else if (this.inFlight) {
      this.finish(this.inFlight);
    }
  }

  /** Analyses the workspace at once, superseding any analysis in progress. */
  runNow(): void {
    this.finish(this.begin());
  }

  /** Drops the analysis in progress unfinished (its workspace is being replaced). */
  abandon(): void {
    this.inFlight = undefined;
  }

  private begin(): Generator<void, AnalysisResult> {
    this.inFlight = this.jobs.begin();
    this.inFlightSince = performance.now();
    this.analyseAfterInFlight = false;
    return this.inFlight;
  }

  /**
   * Analyses in slices of at most ANALYSIS_SLICE_MS, yielding to the event loop between them: a change that
   * arrives meanwhile schedules a newer analysis, which supersedes (abandons) this one when it starts — unless
   * this one has run for FINISH_AFTER_MS, then the newer one starts when it is done.
   */
  private start(): void {
    const steps = this.begin();
    const slice = () => {
      if (this.inFlight !== steps) return;
      const started = performance.now();
      for (;;) {
        const step = steps.next();
        if (step.done) return this.complete(step.value);
        if (performance.now() - started > ANALYSIS_SLICE_MS) return void setImmediate(slice);
      }
    };
    slice();
  }

  /** Runs an analysis in progress to its end at once (a request needs its result now). */
  private finish(steps: Generator<void, AnalysisResult>): void {
    for (;;) {
      const step = steps.next();
      if (step.done) return this.complete(step.value);
    }
  }

  private complete(result: AnalysisResult): void {
    this.inFlight = undefined;
    this.jobs.completed(result);
    if (this.analyseAfterInFlight) {
      this.analyseAfterInFlight = false;
      this.schedule();
    }
  }
}
