// The progress reporter, on a fake stream: a terminal redraws one bar in
// place; a log gets plain lines.
import { describe, expect, it } from "vitest";
import { consoleReporter, timeLeft } from "../scripts/pipeline/report.ts";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (chunk: string | Uint8Array) => (writes.push(String(chunk)), true), text: () => writes.join("") };
}

/** A clock the test moves: each call of `tick` adds that many milliseconds. */
function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, tick: (ms: number) => (t += ms) };
}

describe("timeLeft", () => {
  it("estimates from the rate so far", () => {
    expect(timeLeft(30_000, 40, 192)).toBe("about 2 min left");
    expect(timeLeft(10_000, 40, 80)).toBe("about 10 s left");
    expect(timeLeft(0, 0, 80)).toBe("");
    expect(timeLeft(5_000, 80, 80)).toBe("");
  });
});

describe("consoleReporter on a terminal", () => {
  it("redraws one bar in place with counts and time left, and ends it with a newline", () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const report = consoleReporter(stream, clock.now);
    report.progress("PDFs", 0, 192);
    for (let done = 1; done <= 192; done++) {
      clock.tick(400);
      report.progress("PDFs", done, 192);
    }
    const text = stream.text();
    // Every redraw returns to the start of the line and clears it; one newline, at the end.
    expect(stream.writes.filter((w) => w.startsWith("\r\x1b[K")).length).toBe(193);
    expect(text.split("\n").length - 1).toBe(1);
    expect(text.endsWith("\n")).toBe(true);
    expect(stream.writes[40]).toContain("PDFs [#####-------------------] 40/192, about 1 min left");
    expect(stream.writes[180]).toMatch(/180\/192, about 5 s left$/);
    expect(text).toMatch(/192\/192, done in 76\.8 s\n$/);
  });

  it("puts a line printed mid-bar above the bar", () => {
    const stream = fakeStream(true);
    const report = consoleReporter(stream, fakeClock().now);
    report.progress("PDFs", 1, 4);
    report.line("Starting the browser");
    expect(stream.writes.slice(-2)).toEqual(["\r\x1b[K", "Starting the browser\n"]);
  });
});

describe("consoleReporter in a log", () => {
  it("prints a plain line each tenth of the way, with time left, and never redraws", () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const report = consoleReporter(stream, clock.now);
    report.progress("PDFs", 0, 192);
    for (let done = 1; done <= 192; done++) {
      clock.tick(400);
      report.progress("PDFs", done, 192);
    }
    const lines = stream.text().split("\n").filter(Boolean);
    expect(stream.text()).not.toMatch(/\r|\x1b/);
    expect(lines.length).toBe(11);
    expect(lines[0]).toBe("  PDFs 0/192");
    expect(lines[2]).toBe("  PDFs 39/192, about 1 min left");
    expect(lines.at(-1)).toBe("  PDFs 192/192, done in 76.8 s");
  });

  it("starts a new estimate for the next stage", () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const report = consoleReporter(stream, clock.now);
    report.progress("PDFs", 0, 2);
    clock.tick(60_000);
    report.progress("PDFs", 2, 2);
    report.progress("Review sheets", 0, 10);
    clock.tick(1_000);
    report.progress("Review sheets", 1, 10);
    expect(stream.text().split("\n").filter(Boolean).at(-1)).toBe("  Review sheets 1/10, about 9 s left");
  });
});
