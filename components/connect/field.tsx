/** A labelled form field with its hint and error, wired for screen readers. Presentational. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (aria: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => React.ReactNode;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : null, props.error ? `${props.id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={props.id} className="block font-medium text-slate-900">
        {props.label}
      </label>
      {props.hint ? (
        <p id={`${props.id}-hint`} className="text-sm text-slate-600">
          {props.hint}
        </p>
      ) : null}
      {props.children({ id: props.id, "aria-describedby": describedBy, "aria-invalid": props.error ? true : undefined })}
      {props.error ? (
        <p id={`${props.id}-error`} className="text-sm font-medium text-red-700">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export const INPUT_CLASS =
  "block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-slate-900 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-blue-700 aria-invalid:border-red-700";
export const BUTTON_CLASS =
  "inline-flex items-center rounded-md bg-blue-700 px-4 py-2 font-semibold text-white hover:bg-blue-800 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-blue-700 disabled:opacity-60";
