import { describe, expect, it } from "vitest";
import { DEFAULT_SYNC_OPTIONS, SYNC_FORM_FIELDS, syncOptionsFromForm, syncOptionsOrDefaults, syncOptionsSchema } from "./sync-options.schema";
import { fieldErrorsOf } from "../core/forms";

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

const good = {
  [SYNC_FORM_FIELDS.record("leads")]: "on",
  [SYNC_FORM_FIELDS.record("contacts")]: "on",
  [SYNC_FORM_FIELDS.contactMatching]: "email",
  [SYNC_FORM_FIELDS.scoreTarget]: "contacts",
  [SYNC_FORM_FIELDS.scoreField]: " Acton_Score ",
  [SYNC_FORM_FIELDS.optOutPull]: "on",
  [SYNC_FORM_FIELDS.intervalHours]: "12",
};

describe("sync options", () => {
  it("the defaults are valid: leads and contacts, e-mail matching, score on both, opt-outs both ways, every 4 hours", () => {
    expect(syncOptionsSchema.parse(DEFAULT_SYNC_OPTIONS)).toEqual(DEFAULT_SYNC_OPTIONS);
    expect(DEFAULT_SYNC_OPTIONS.schedule.intervalHours).toBeGreaterThanOrEqual(4);
  });

  it("reads the form: unchecked boxes are false, the column is normalised, the interval is a number", () => {
    const parsed = syncOptionsSchema.parse(syncOptionsFromForm(form(good)));
    expect(parsed).toEqual({
      records: { leads: true, contacts: true, accounts: false },
      contactMatching: "email",
      score: { target: "contacts", field: "acton_score" },
      optOut: { pullFromDynamics: true, pushToDynamics: false },
      schedule: { intervalHours: 12 },
    });
  });

  it.each([
    ["no record kind", { [SYNC_FORM_FIELDS.record("leads")]: "", [SYNC_FORM_FIELDS.record("contacts")]: "" }, "records"],
    ["matching other than e-mail", { [SYNC_FORM_FIELDS.contactMatching]: "name" }, "contactMatching"],
    ["matching missing", { [SYNC_FORM_FIELDS.contactMatching]: "" }, "contactMatching"],
    ["more often than every four hours", { [SYNC_FORM_FIELDS.intervalHours]: "1" }, "schedule.intervalHours"],
    ["an interval not offered", { [SYNC_FORM_FIELDS.intervalHours]: "5" }, "schedule.intervalHours"],
    ["an interval that is not a number", { [SYNC_FORM_FIELDS.intervalHours]: "often" }, "schedule.intervalHours"],
    ["an unknown score target", { [SYNC_FORM_FIELDS.scoreTarget]: "everywhere" }, "score.target"],
    ["a score column that is not a logical name", { [SYNC_FORM_FIELDS.scoreField]: "Act-On Score" }, "score.field"],
    ["no score column while writing the score", { [SYNC_FORM_FIELDS.scoreField]: "" }, "score.field"],
  ])("refuses %s, naming the field", (_name, patch, field) => {
    const fields = { ...good, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === "") delete (fields as Record<string, string>)[k];
    const parsed = syncOptionsSchema.safeParse(syncOptionsFromForm(form(fields)));
    expect(parsed.success).toBe(false);
    expect(Object.keys(fieldErrorsOf(parsed.error!))).toContain(field);
  });

  it("needs no score column when the score is not written", () => {
    const parsed = syncOptionsSchema.safeParse(
      syncOptionsFromForm(form({ ...good, [SYNC_FORM_FIELDS.scoreTarget]: "none", [SYNC_FORM_FIELDS.scoreField]: "" })),
    );
    expect(parsed.success).toBe(true);
  });

  it("refuses unknown top-level keys (the stored JSON has exactly the schema's shape)", () => {
    expect(syncOptionsSchema.safeParse({ ...DEFAULT_SYNC_OPTIONS, extra: 1 }).success).toBe(false);
  });

  it("falls back to the defaults for missing or outdated stored options", () => {
    expect(syncOptionsOrDefaults(null)).toEqual(DEFAULT_SYNC_OPTIONS);
    expect(syncOptionsOrDefaults({ records: "all" })).toEqual(DEFAULT_SYNC_OPTIONS);
    const stored = { ...DEFAULT_SYNC_OPTIONS, schedule: { intervalHours: 24 } };
    expect(syncOptionsOrDefaults(stored)).toEqual(stored);
  });
});
