import { FOCUS_RING } from "./button-variants";

/** The look of a text input, without its width; `aria-invalid` turns its border red. */
export const INPUT_BASE = `rounded-md border border-slate-500 bg-white px-3 py-2 text-slate-900 aria-invalid:border-red-700 ${FOCUS_RING}`;
/** A text input on a line of its own. */
export const INPUT_CLASS = `block w-full ${INPUT_BASE}`;

export type FieldControlProps = { id: string; "aria-describedby"?: string; "aria-invalid"?: true };

/**
 * A labelled control with its hint and error, wired for screen readers: the control gets the id the label points at,
 * `aria-describedby` naming the hint and the error, and `aria-invalid` while there is an error. Server component.
 */
export function Field(props: {
  id: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  /** The field's problem (the first of a list is shown). */
  error?: string | string[] | null;
  /** Announce the error when it appears (a dialog without a form-level message). */
  announceError?: boolean;
  className?: string;
  children: (control: FieldControlProps) => React.ReactNode;
}) {
  const error = Array.isArray(props.error) ? props.error[0] : props.error || undefined;
  const hintId = `${props.id}-hint`;
  const errorId = `${props.id}-error`;
  const describedBy = [props.hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={props.className ?? "space-y-1"}>
      <label htmlFor={props.id} className="block font-medium text-slate-900">
        {props.label}
      </label>
      {props.hint ? (
        <p id={hintId} className="text-sm text-slate-700">
          {props.hint}
        </p>
      ) : null}
      {props.children({ id: props.id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {error ? (
        <p id={errorId} role={props.announceError ? "alert" : undefined} className="text-sm font-medium text-red-800">
          {error}
        </p>
      ) : null}
    </div>
  );
}
