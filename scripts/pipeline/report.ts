// Progress lines and the closing summary. On a terminal the progress bar
// redraws in place; in CI logs it prints a line every tenth of the way.
export interface Reporter {
  line(text: string): void;
  progress(label: string, done: number, total: number): void;
}

export function consoleReporter(stream: NodeJS.WriteStream = process.stdout): Reporter {
  let lastTenth = -1;
  return {
    line: (text) => stream.write(`${text}\n`),
    progress(label, done, total) {
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((done / total) * width);
        stream.write(`\r  ${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`);
        if (done === total) stream.write("\n");
        return;
      }
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== lastTenth || done === total) {
        lastTenth = done === total ? -1 : tenth;
        stream.write(`  ${label} ${done}/${total}\n`);
      }
    },
  };
}

export const silentReporter: Reporter = { line: () => undefined, progress: () => undefined };

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
