/**
 * Act-On's sync options for a Dynamics connection, as Act-On's MS Dynamics connector has them: which Dynamics records
 * sync, how contacts match, where Act-On's score is written, opt-out pull and opt-in/opt-out push, and how often the
 * sync runs. One schema serves the form (defaults, labels) and the server action (validation). Pure.
 */
import { z } from "zod";

/** Dynamics records Act-On can sync, in the order the form shows them. */
export const SYNC_RECORDS = [
  { key: "leads", label: "Leads", hint: "Dynamics leads become Act-On contacts and receive Act-On's activity and score." },
  { key: "contacts", label: "Contacts", hint: "Dynamics contacts, matched to Act-On contacts by e-mail address." },
  { key: "accounts", label: "Accounts", hint: "Company records, so lists and segments can use account fields." },
] as const;
export type SyncRecordKey = (typeof SYNC_RECORDS)[number]["key"];

/** Where Act-On writes its behavioural score in Dynamics. */
export const SCORE_TARGETS = [
  { value: "leadsAndContacts", label: "Leads and contacts" },
  { value: "leads", label: "Leads only" },
  { value: "contacts", label: "Contacts only" },
  { value: "none", label: "Do not write the score to Dynamics" },
] as const;
export type ScoreTarget = (typeof SCORE_TARGETS)[number]["value"];

/** Allowed sync intervals: Act-On never syncs a connection more often than every four hours. */
export const SYNC_INTERVAL_HOURS = [4, 6, 8, 12, 24] as const;
const MIN_SYNC_INTERVAL_HOURS = 4;

/** A Dataverse column's logical name, e.g. `acton_score` (custom columns carry a publisher prefix). */
const logicalName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9]*_[a-z0-9_]{1,90}$/, "must be the column's logical name with its publisher prefix, e.g. acton_score");

export const syncOptionsSchema = z
  .object({
    records: z
      .object({ leads: z.boolean(), contacts: z.boolean(), accounts: z.boolean() })
      .refine((r) => r.leads || r.contacts || r.accounts, { message: "Choose at least one kind of Dynamics record to sync." }),
    /** Dynamics e-mail (emailaddress1) to Act-On e-mail: the only matching rule, and it is required. */
    contactMatching: z.literal("email", { error: "Contacts are matched by e-mail address; no other rule is available." }),
    score: z
      .object({
        target: z.enum(SCORE_TARGETS.map((t) => t.value) as [ScoreTarget, ...ScoreTarget[]], { error: "Choose where Act-On writes its score." }),
        /** The Dynamics column the score goes to (required unless the target is "none"). */
        field: z.union([logicalName, z.literal("").transform(() => undefined)]).optional(),
      })
      .refine((s) => s.target === "none" || !!s.field, {
        path: ["field"],
        message: "Enter the Dynamics column that receives Act-On's score, e.g. acton_score.",
      }),
    optOut: z.object({
      /** Dynamics "Do not allow bulk e-mails" → Act-On opt-out. */
      pullFromDynamics: z.boolean(),
      /** Act-On opt-in and opt-out → Dynamics "Do not allow bulk e-mails". */
      pushToDynamics: z.boolean(),
    }),
    schedule: z.object({
      intervalHours: z.coerce
        .number({ error: "Choose how often the sync runs." })
        .int()
        .min(MIN_SYNC_INTERVAL_HOURS, `Act-On syncs at most every ${MIN_SYNC_INTERVAL_HOURS} hours.`)
        .refine((h) => (SYNC_INTERVAL_HOURS as readonly number[]).includes(h), {
          message: `Choose one of: every ${SYNC_INTERVAL_HOURS.join(", ")} hours.`,
        }),
    }),
  })
  .strict();

export type SyncOptions = z.infer<typeof syncOptionsSchema>;

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  records: { leads: true, contacts: true, accounts: false },
  contactMatching: "email",
  score: { target: "leadsAndContacts", field: "acton_score" },
  optOut: { pullFromDynamics: true, pushToDynamics: true },
  schedule: { intervalHours: 4 },
};

/** Field names the form uses; the server action reads the same names. */
export const SYNC_FORM_FIELDS = {
  record: (key: SyncRecordKey) => `records.${key}`,
  contactMatching: "contactMatching",
  scoreTarget: "score.target",
  scoreField: "score.field",
  optOutPull: "optOut.pullFromDynamics",
  optOutPush: "optOut.pushToDynamics",
  intervalHours: "schedule.intervalHours",
} as const;

/** Reads the form's fields into the schema's shape (a checkbox is "on" when present); validation is the schema's. */
export function syncOptionsFromForm(form: FormData): unknown {
  const text = (name: string) => {
    const v = form.get(name);
    return typeof v === "string" ? v : undefined;
  };
  const checked = (name: string) => {
    const v = form.get(name);
    return v === "on" || v === "true";
  };
  return {
    records: {
      leads: checked(SYNC_FORM_FIELDS.record("leads")),
      contacts: checked(SYNC_FORM_FIELDS.record("contacts")),
      accounts: checked(SYNC_FORM_FIELDS.record("accounts")),
    },
    contactMatching: text(SYNC_FORM_FIELDS.contactMatching),
    score: { target: text(SYNC_FORM_FIELDS.scoreTarget), field: text(SYNC_FORM_FIELDS.scoreField) ?? "" },
    optOut: { pullFromDynamics: checked(SYNC_FORM_FIELDS.optOutPull), pushToDynamics: checked(SYNC_FORM_FIELDS.optOutPush) },
    schedule: { intervalHours: text(SYNC_FORM_FIELDS.intervalHours) },
  };
}

/** Stored options, or the defaults when none are stored or the stored ones no longer validate. */
export function syncOptionsOrDefaults(stored: unknown): SyncOptions {
  const parsed = syncOptionsSchema.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_SYNC_OPTIONS;
}
