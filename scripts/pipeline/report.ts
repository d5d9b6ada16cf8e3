// Progress lines and the closing summary. On a terminal a long stage draws
// a bar with counts and time left, redrawn in place; in CI logs (not a
// terminal) it prints a plain line every tenth of the way, as a log
// cannot be redrawn. Written by hand: the bar is one line of text, and a
// progress library would bring its own terminal handling for that.
export interface Reporter {
  line(text: string): void;
  progress(label: string, done: number, total: number): void;
}

/** What the reporter writes to: a terminal or a log (only these two fields are used). */
export type ReportStream = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean };

const BAR_WIDTH = 24;

/** "about 40 s left", "about 3 min left"; nothing until there is a rate to go by. */
export function timeLeft(elapsedMs: number, done: number, total: number): string {
  if (done <= 0 || done >= total) return "";
  const left = ((elapsedMs / done) * (total - done)) / 1000;
  return left < 60 ? `about ${Math.max(1, Math.round(left))} s left` : `about ${Math.round(left / 60)} min left`;
}

export function consoleReporter(stream: ReportStream = process.stdout, now: () => number = Date.now): Reporter {
  let stage: { label: string; started: number; done: number; tenth: number } | undefined;
  let barShown = false;
  const clearBar = () => {
    if (barShown) stream.write("\r\x1b[K");
    barShown = false;
  };
  return {
    line(text) {
      // A line in the middle of a bar goes above it; the next update redraws the bar.
      clearBar();
      stream.write(`${text}\n`);
    },
    progress(label, done, total) {
      if (!stage || stage.label !== label || done < stage.done) stage = { label, started: now(), done, tenth: -1 };
      stage.done = done;
      const elapsed = now() - stage.started;
      const finished = done >= total;
      const tail = finished ? `, done in ${seconds(elapsed)}` : timeLeft(elapsed, done, total) && `, ${timeLeft(elapsed, done, total)}`;
      if (stream.isTTY) {
        const filled = total > 0 ? Math.round((Math.min(done, total) / total) * BAR_WIDTH) : BAR_WIDTH;
        stream.write(`\r\x1b[K  ${label} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${done}/${total}${tail}`);
        barShown = !finished;
        if (finished) stream.write("\n");
      } else {
        const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (tenth === stage.tenth && !finished) return;
        stage.tenth = tenth;
        stream.write(`  ${label} ${done}/${total}${tail}\n`);
      }
      if (finished) stage = undefined;
    },
  };
}

export const silentReporter: Reporter = { line: () => undefined, progress: () => undefined };

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
