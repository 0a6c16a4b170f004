import "server-only";
import type { Db } from "../../core/db";
import { log } from "../../core/log";
import { publishCredentialReminders } from "../../domain/secret/publish-credential-reminders";
import type { JobKind } from "../scheduler";

/**
 * Client secret expiry reminders as a job kind: one sweep per poll interval per instance. A sweep publishes every
 * reminder due (publish-credential-reminders.ts); each is marked by compare-and-set with its outbox write, so instances
 * sweeping at once never send one twice, and nothing needs a claim of its own.
 */
export function credentialRemindersKind(db: Db, options: { pollEveryMs: number; now?: () => Date }): JobKind<"sweep"> {
  let sweptAt = -Infinity;
  return {
    name: "credentialReminders",
    reserved: 0,
    max: 1,
    pollEveryMs: options.pollEveryMs,
    // One sweep per interval: the scheduler asks again at once when a claim filled its offer, which a sweep always would.
    claim: async (limit) => {
      if (limit < 1 || Date.now() - sweptAt < options.pollEveryMs) return [];
      sweptAt = Date.now();
      return ["sweep"];
    },
    run: async () => {
      const published = await publishCredentialReminders(db, { now: options.now?.() });
      if (published.length > 0) {
        log.info("credentials: expiry reminders published", {
          reminders: published.map((r) => ({ connectionId: r.connectionId, daysLeft: r.daysLeft })),
        });
      }
    },
    release: async () => {},
  };
}
