/** What the manual form shows after a submit: the values (never the secret) and the problem found, if any. Pure. */
import type { FormState } from "@/lib/core/forms";
import type { ManualConnectionInput } from "@/lib/manual-connection/manual-connection-schema";

type ManualFormProblem = {
  title: string;
  fix: string;
  field: keyof ManualConnectionInput | null;
  missingPrivileges?: { privilege: string; table: string; feature: string }[];
  detail?: string;
  requestIds?: string[];
};

export type ManualFormState = FormState<{ problem?: ManualFormProblem; values: Omit<ManualConnectionInput, "clientSecret"> }>;
