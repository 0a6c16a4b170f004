/**
 * The portal's button styles, as one pure function so server components, links and client buttons share them
 * without client JavaScript. One focus ring for every control: a 2px blue ring offset from the edge.
 */
export type ButtonVariant = "primary" | "secondary" | "destructive" | "link" | "ghost";
export type ButtonSize = "md" | "icon";

export const FOCUS_RING = "focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2";

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-blue-700 text-white hover:bg-blue-800",
  secondary: "border border-slate-300 bg-white text-slate-900 hover:bg-slate-50",
  destructive: "bg-red-700 text-white hover:bg-red-800",
  link: "font-medium text-blue-800 underline underline-offset-2 hover:text-blue-900",
  // An icon button inside dense rows (the console's copy buttons): no border until hovered.
  ghost: "text-slate-700 hover:bg-slate-200",
};

const SIZES: Record<ButtonSize, string> = {
  md: "gap-2 px-4 py-2 text-sm font-semibold",
  icon: "gap-1 p-1 text-sm",
};

/** The classes of a button (or a link that looks like one); `extra` adds layout (margins, width), never colours. */
export function buttonVariants({
  variant = "primary",
  size = "md",
  extra,
}: { variant?: ButtonVariant; size?: ButtonSize; extra?: string } = {}): string {
  // A link-like button keeps the text's own size and spacing; only the real buttons get padding.
  const shape = variant === "link" ? "gap-1 rounded" : `${SIZES[size]} rounded-md`;
  return ["inline-flex items-center justify-center disabled:cursor-wait disabled:opacity-70", shape, VARIANTS[variant], FOCUS_RING, extra]
    .filter(Boolean)
    .join(" ");
}
