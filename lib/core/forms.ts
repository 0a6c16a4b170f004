/**
 * What every form's server action answers, and the one way a zod error becomes per-field messages. Pure, so client
 * forms and server actions share it.
 */
import type { z } from "zod";

/** Field name (the zod path, dotted: `score.field`) → its problems, in the schema's words, first one first. */
export type FieldErrors = Record<string, string[]>;

/**
 * A form's state after a submit. `message` is the one user-facing sentence for the whole form (what happened, what to
 * do); `fieldErrors` the problems next to each control. A form that needs more (the values to refill, a link shown
 * once, the checklist's fresh snapshot) adds it through `Extra`, never by renaming these.
 */
export type FormState<Extra extends object = object> = {
  status: "idle" | "error" | "success";
  message?: string;
  fieldErrors?: FieldErrors;
} & Extra;

/** The problems of a failed parse, keyed by field; a problem with no path (a whole-form refinement) is under `form`. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "form";
    const list = (out[key] ??= []);
    if (!list.includes(issue.message)) list.push(issue.message);
  }
  return out;
}

/** The first problem of one field, for showing next to its control. */
export function fieldError(errors: FieldErrors | undefined, field: string): string | undefined {
  return errors?.[field]?.[0];
}

/** The first problem of a failed parse in the schema's words (for forms with a single control). */
export function firstProblem(error: z.ZodError): string {
  return error.issues[0]?.message ?? "The form was not filled in correctly.";
}

/** FormData → plain object of its string fields (files are ignored). */
export function formFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form.entries()) if (typeof value === "string" && !(key in out)) out[key] = value;
  return out;
}
