/**
 * Peak resident memory of this process during one benchmark measurement.
 *
 * Two sources, because neither is enough alone:
 * - `process.memoryUsage.rss()` sampled by the caller (e.g. once per training step): a peak that
 *   belongs to this measurement only, but can miss a short spike between two samples;
 * - `process.resourceUsage().maxRSS` (the kernel's `ru_maxrss`): catches every spike, but is the
 *   high-water mark of the whole process lifetime, so a measurement that runs after a larger one
 *   inherits the earlier peak.
 */

/** Memory figures of one measurement, in bytes. */
export interface PeakMemorySummary {
  /** RSS when tracking started (before the model was built). */
  rssBeforeBytes: number;
  /** Largest sampled RSS during the measurement. */
  rssPeakSampledBytes: number;
  /**
   * Peak RSS of the measurement: the sampled peak, or ru_maxrss when that rose during the
   * measurement (then the process-wide peak happened inside it, possibly between two samples).
   */
  rssPeakBytes: number;
  /** `rssPeakBytes - rssBeforeBytes`: what the measurement itself added. */
  rssPeakDeltaBytes: number;
  /** Process-lifetime maximum RSS (ru_maxrss) at the end of the measurement. */
  processMaxRssBytes: number;
  /** Whether ru_maxrss rose during this measurement, i.e. it set a new process-wide peak. */
  processMaxRssRose: boolean;
  /** Number of RSS samples taken (including the first and last). */
  samples: number;
}

/** Samples RSS on demand and remembers the peak. */
export interface PeakMemoryTracker {
  /** Takes one RSS sample. Cheap (one system call): fine to call every training step. */
  sample(): void;
  /** Takes a last sample and returns the figures so far. */
  summary(): PeakMemorySummary;
}

/** ru_maxrss in bytes (Node reports it in kilobytes). */
function processMaxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Starts tracking: the current RSS is the baseline and the first sample. */
export function trackPeakMemory(): PeakMemoryTracker {
  const rssBeforeBytes = process.memoryUsage.rss();
  const maxRssBefore = processMaxRssBytes();
  let rssPeakBytes = rssBeforeBytes;
  let samples = 1;
  const sample = (): void => {
    rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage.rss());
    samples++;
  };
  return {
    sample,
    summary(): PeakMemorySummary {
      sample();
      const maxRss = processMaxRssBytes();
      const rose = maxRss > maxRssBefore;
      const peak = rose ? Math.max(rssPeakBytes, maxRss) : rssPeakBytes;
      return {
        rssBeforeBytes,
        rssPeakSampledBytes: rssPeakBytes,
        rssPeakBytes: peak,
        rssPeakDeltaBytes: peak - rssBeforeBytes,
        processMaxRssBytes: maxRss,
        processMaxRssRose: rose,
        samples,
      };
    },
  };
}
