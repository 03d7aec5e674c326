import { describe, expect, it } from "vitest";
import { utcDay } from "../../src/usage/usage-report.js";

describe("utcDay", () => {
  it("names the UTC day of any time, the last day's name reused only within that day", () => {
    const times = [
      Date.parse("2026-11-28T00:00:00.000Z"),
      Date.parse("2026-11-28T23:59:59.999Z"),
      Date.parse("2026-11-29T00:00:00.000Z"),
      Date.parse("2026-11-28T12:00:00.000Z"),
      Date.parse("1969-12-31T23:59:59.999Z"),
      Date.parse("1970-01-01T00:00:00.000Z"),
      Date.parse("2024-02-29T08:00:00.000Z"),
    ];
    for (const time of [...times, ...times.reverse()]) {
      expect(utcDay(time)).toBe(new Date(time).toISOString().slice(0, 10));
    }
  });
});
