import type { Metadata } from "next";
import Link from "next/link";
import { requireSession } from "@/lib/sessions/current-session";
import { SignInOtherOrganization } from "@/components/connect/sign-in-other-organization";
import { SignInPermissionList } from "@/components/connect/sign-in-permission-list";
import { SignInNotice } from "../sign-in-notice";
import { SignOutButton } from "@/components/connect/sign-out-button";
import { Button } from "@/components/ui/button";

export const metadata: Metadata = { title: "Sign in with Microsoft · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/**
 * GET /auth/sign-in: what the portal will ask Microsoft for, one plain line per permission, before the admin is sent
 * there. The button posts to /auth/sign-in/start, which starts the sign-in for this session's connection.
 */
export default async function SignInPage(props: { searchParams: Promise<{ signin?: string | string[] }> }) {
  const session = await requireSession();
  const { signin } = await props.searchParams;
  const back = session.connectionId ? `/connect/${session.connectionId}` : "/";
  return (
    <div className="max-w-3xl space-y-6">
      <SignInNotice outcome={signin} />
      <h1 className="text-3xl font-bold tracking-tight">Sign in with Microsoft</h1>
      {session.microsoft ? (
        <p className="text-lg text-slate-700">
          You are signed in as <strong>{session.microsoft.username}</strong>. Sign in again to use another account.
        </p>
      ) : (
        <p className="text-lg text-slate-700">
          Sign in with an administrator of the Microsoft tenant your Dynamics environment is in, for <strong>{session.accountName}</strong>. Microsoft
          asks you once to accept the following for your organization:
        </p>
      )}
      <SignInPermissionList variant="boxed" />
      <p className="text-slate-700">
        Nothing is changed in your tenant until you approve the plan on the next page. Your Microsoft sign-in is kept encrypted on Act-On&apos;s
        servers, never in your browser, and is forgotten when you sign out.
      </p>
      <form method="post" action="/auth/sign-in/start" className="flex flex-wrap items-center gap-4">
        <Button type="submit">Continue to Microsoft</Button>
        <Button asChild variant="link">
          <Link href={back}>Back to the connection</Link>
        </Button>
      </form>
      <SignInOtherOrganization />
      {session.microsoft ? <SignOutButton /> : null}
    </div>
  );
}
