import { describe, expect, it } from "vitest";
import { dueReminder, reminderHorizon } from "./credential-reminders";

const now = new Date("2026-12-06T12:00:00Z");
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000);

describe("credential expiry reminders", () => {
  it.each([
    [45, null, null],
    [30.5, null, null],
    [30, null, 30],
    [20, null, 30],
    [20, 30, null],
    [14, 30, 14],
    [13, 14, null],
    [7, 14, 7],
    [1, 7, 1],
    [0.5, 1, null],
  ] as const)("%s days before expiry, last sent %s: %s", (days, sentDays, expected) => {
    expect(dueReminder({ expiresAt: inDays(days), now, sentDays })).toBe(expected);
  });

  it("sends only the most urgent threshold after a long silence, and nothing after the expiry", () => {
    expect(dueReminder({ expiresAt: inDays(6), now, sentDays: null })).toBe(7);
    expect(dueReminder({ expiresAt: inDays(6), now, sentDays: 30 })).toBe(7);
    expect(dueReminder({ expiresAt: inDays(0), now, sentDays: null })).toBeNull();
    expect(dueReminder({ expiresAt: inDays(-3), now, sentDays: 7 })).toBeNull();
  });

  it("looks 30 days ahead", () => {
    expect(reminderHorizon(now)).toEqual(inDays(30));
  });
});
