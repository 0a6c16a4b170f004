import { ArrowRightLeft } from "lucide-react";
import { Button } from "@/components/ui/button";

/** The status page's own small block for a user-name-and-password connection: the way to the move to OAuth. */
export function MoveToOAuth({ connectionId }: { connectionId: string }) {
  return (
    <section aria-labelledby="move-to-oauth-heading" className="space-y-2 rounded-lg border border-blue-300 bg-blue-50 p-5">
      <h2 id="move-to-oauth-heading" className="text-lg font-semibold">
        This connection signs in with a user name and password
      </h2>
      <p>
        Move it to OAuth: Act-On then signs in as its own app with a certificate, MFA can stay on for every user, and the stored password is forgotten
        once the new sign-in works.
      </p>
      <Button asChild>
        <a href={`/connect/${encodeURIComponent(connectionId)}/migrate`}>
          <ArrowRightLeft aria-hidden className="h-4 w-4" />
          Move to OAuth
        </a>
      </Button>
    </section>
  );
}
