/** Resident memory in MiB now. */
export function rssMb(): number {
  return process.memoryUsage.rss() / 1048576;
}

/** The process's peak resident memory so far in MiB (from the OS, so it also covers synchronous work). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Samples RSS on a timer and reports the peak seen between start and stop. Synchronous work blocks
 * the timer, so the result also takes the OS peak when that rose during the window.
 */
export function startRssSampler(intervalMs = 50): { stop(): { peakMb: number; startMb: number } } {
  const startMb = rssMb();
  const osPeakBefore = peakRssMb();
  let peak = startMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb());
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssMb());
      const osPeak = peakRssMb();
      return { peakMb: osPeak > osPeakBefore ? Math.max(peak, osPeak) : peak, startMb };
    },
  };
}
