import { LogIn } from "lucide-react";
import { Button } from "@/components/ui/button";
import type { SignInReturnPage } from "@/lib/sessions/sign-in-return";

/**
 * The button that starts the admin's Microsoft sign-in (POST /auth/sign-in/start, origin-checked); `then` names the
 * page the sign-in comes back to when it is not the journey's next one.
 */
export function SignInStartForm({ then, className }: { then?: SignInReturnPage; className?: string }) {
  return (
    <form method="post" action="/auth/sign-in/start" className={className}>
      {then ? <input type="hidden" name="then" value={then} /> : null}
      <Button type="submit">
        <LogIn aria-hidden className="h-4 w-4" />
        Sign in with Microsoft
      </Button>
    </form>
  );
}
