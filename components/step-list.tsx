export type StepListItem = { title: string; body: string };

/** A numbered list of steps with a short explanation each. Presentational only. */
export function StepList({ steps }: { steps: StepListItem[] }) {
  return (
    <ol className="space-y-3">
      {steps.map((step, index) => (
        <li key={step.title} className="flex gap-4 rounded-lg border border-slate-200 bg-white p-4">
          <span className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-blue-600 text-sm font-semibold text-white">
            {index + 1}
          </span>
          <div>
            <h3 className="font-medium">{step.title}</h3>
            <p className="text-sm text-slate-600">{step.body}</p>
          </div>
        </li>
      ))}
    </ol>
  );
}
