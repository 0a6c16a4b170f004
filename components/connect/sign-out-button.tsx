import { Button } from "@/components/ui/button";

/** The portal's sign-out control: a plain form POST (CSRF-checked by /auth/sign-out), no client JavaScript. */
export function SignOutButton({ className }: { className?: string }) {
  return (
    <form method="post" action="/auth/sign-out" className={className}>
      <Button type="submit" variant="link" className="px-2 py-1">
        Sign out
      </Button>
    </form>
  );
}
