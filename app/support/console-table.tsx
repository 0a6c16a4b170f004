/**
 * A console table: a focusable, named scroll region (keyboard users scroll a wide table sideways), a caption for
 * screen readers, the column headings, and the rows the caller renders.
 */
export function ConsoleTable(props: {
  label: string;
  caption: string;
  headings: string[];
  busy?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div
      className={`overflow-x-auto rounded-lg border border-slate-200 bg-white ${props.className ?? ""}`}
      tabIndex={0}
      role="region"
      aria-label={props.label}
      aria-busy={props.busy}
    >
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{props.caption}</caption>
        <thead className="bg-slate-100 text-xs text-slate-700 uppercase">
          <tr>
            {props.headings.map((h) => (
              <th key={h} scope="col" className="px-3 py-2 font-semibold whitespace-nowrap">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">{props.children}</tbody>
      </table>
    </div>
  );
}
