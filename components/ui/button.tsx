import * as SlotPrimitive from "radix-ui/slot";
import { buttonVariants, type ButtonSize, type ButtonVariant } from "./button-variants";

type Props = React.ComponentProps<"button"> & {
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** Render the one child (a link) with the button's look instead of a <button>. */
  asChild?: boolean;
};

/**
 * The portal's button. A server component (no client JavaScript of its own): `asChild` lends its look to a link,
 * `<Button asChild><a href="…">…</a></Button>`, through Radix's Slot. Client leaves on the checklist page (whose
 * first-load JavaScript has a budget) style their <button> or <a> with `buttonVariants` instead, so Slot is not
 * shipped to the browser for them.
 */
export function Button({ variant, size, asChild = false, className, type, ...props }: Props) {
  const classes = buttonVariants({ variant, size, extra: className });
  if (asChild) return <SlotPrimitive.Slot className={classes} {...props} />;
  return <button type={type ?? "button"} className={classes} {...props} />;
}
