import { Check } from "lucide-react";
import { SignOutButton } from "./sign-out-button";
import { JOURNEY_STAGES, type JourneyPage } from "@/lib/connect/journey-page";

type Props = {
  current: JourneyPage;
  title: string;
  intro?: React.ReactNode;
  accountName: string;
  signedInAs?: string | null;
  children: React.ReactNode;
};

/** The frame of every journey page: where the admin is in the journey, for which Act-On account, and the page. */
export function JourneyFrame({ current, title, intro, accountName, signedInAs, children }: Props) {
  const currentIndex = JOURNEY_STAGES.findIndex((s) => s.pages.includes(current));
  return (
    <div className="space-y-8">
      <nav aria-label="Connection setup progress">
        <ol className="flex flex-wrap gap-x-2 gap-y-2 text-sm">
          {JOURNEY_STAGES.map((stage, index) => {
            const state = index < currentIndex ? "done" : index === currentIndex ? "current" : "todo";
            return (
              <li
                key={stage.label}
                aria-current={state === "current" ? "step" : undefined}
                className={
                  state === "current"
                    ? "flex items-center gap-1 rounded-full bg-blue-700 px-3 py-1 font-medium text-white"
                    : state === "done"
                      ? "flex items-center gap-1 rounded-full bg-emerald-50 px-3 py-1 text-emerald-800"
                      : "flex items-center gap-1 rounded-full bg-slate-100 px-3 py-1 text-slate-700"
                }
              >
                {state === "done" ? <Check aria-hidden className="h-3.5 w-3.5" /> : null}
                <span>
                  {stage.label}
                  {state === "done" ? <span className="sr-only"> (done)</span> : null}
                </span>
              </li>
            );
          })}
        </ol>
      </nav>
      <header className="space-y-2">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <p className="text-sm text-slate-600">
            Act-On account <strong className="font-medium text-slate-900">{accountName}</strong>
            {signedInAs ? (
              <>
                {" "}
                · signed in with Microsoft as <strong className="font-medium text-slate-900">{signedInAs}</strong>
              </>
            ) : null}
          </p>
          <SignOutButton className="text-sm" />
        </div>
        <h1 className="text-3xl font-bold tracking-tight">{title}</h1>
        {intro ? <div className="max-w-2xl text-slate-700">{intro}</div> : null}
      </header>
      {children}
    </div>
  );
}
