type NoticeTone = "info" | "success" | "warning" | "error";

const TONES: Record<NoticeTone, string> = {
  info: "border-blue-300 bg-blue-50 text-slate-900",
  success: "border-emerald-300 bg-emerald-50 text-emerald-950",
  warning: "border-amber-300 bg-amber-50 text-amber-950",
  error: "border-red-300 bg-red-50 text-red-950",
};

const TITLES: Record<NoticeTone, string> = {
  info: "text-slate-900",
  success: "text-emerald-900",
  warning: "text-amber-950",
  error: "text-red-900",
};

type Props = {
  tone: NoticeTone;
  title?: React.ReactNode;
  children?: React.ReactNode;
  /** `sm` for a line under a form or a control, `md` for a block of its own. */
  size?: "sm" | "md";
  /**
   * Whether assistive technology announces it when it appears: an error interrupts (role=alert), anything else waits
   * its turn (role=status). `false` for text that is part of the page from the start and announces nothing.
   */
  announce?: boolean;
  className?: string;
} & Pick<React.ComponentProps<"div">, "id" | "aria-labelledby"> & { "data-testid"?: string; "data-refusal"?: string };

/**
 * A message in one of four tones: info, success, warning or error. Named by a heading inside it (`aria-labelledby`),
 * it is a <section> (a region); otherwise a <div>. Server component.
 */
export function Notice({ tone, title, children, size = "sm", announce = true, className, ...rest }: Props) {
  const role = !announce ? undefined : tone === "error" ? "alert" : "status";
  const box = size === "sm" ? "rounded-md border p-3 text-sm" : "space-y-2 rounded-lg border p-4";
  const Element = rest["aria-labelledby"] ? "section" : "div";
  return (
    <Element role={role} className={[box, TONES[tone], className].filter(Boolean).join(" ")} {...rest}>
      {title ? <p className={`font-semibold ${TITLES[tone]}`}>{title}</p> : null}
      {children}
    </Element>
  );
}
