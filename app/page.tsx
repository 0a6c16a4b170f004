import { StepList } from "@/components/step-list";

const STEPS = [
  {
    title: "Find your Dynamics environment",
    body: "We list the environments you administer through Microsoft's Global Discovery Service, or you paste its URL.",
  },
  {
    title: "Check your permissions",
    body: "You need to be able to register apps and grant consent in Entra ID, and be a System Administrator of the environment.",
  },
  {
    title: "Register the “Act-On Integration” app",
    body: "A single-tenant app registration with the Dynamics CRM user_impersonation permission, and its service principal.",
  },
  { title: "Grant admin consent", body: "Approved once for your organization, so nobody else is asked." },
  {
    title: "Create the app's credential",
    body: "A certificate whose private key is stored encrypted and never leaves the portal (a client secret only if you ask); old credentials are removed only after the new one works.",
  },
  {
    title: "Create the application user",
    body: "In your environment's root business unit, with a least-privilege “Act-On Integration” role or System Administrator.",
  },
  { title: "Verify the connection", body: "We sign in as the app and call Dynamics, then Act-On takes over the sync." },
];

export default function HomePage() {
  return (
    <div className="space-y-10">
      <section className="space-y-4">
        <h1 className="text-3xl font-bold tracking-tight">Connect Microsoft Dynamics 365 to Act-On</h1>
        <p className="max-w-2xl text-lg text-slate-600">
          This portal does the Azure portal, Microsoft 365 admin center and Power Platform work for you. Sign in once with your Microsoft
          administrator account, review the plan, and the portal registers the app, grants consent, creates the Dynamics application user and verifies
          the connection, step by step, with each step&apos;s status shown.
        </p>
      </section>

      <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 className="text-xl font-semibold">How to start</h2>
        <ol className="mt-3 list-decimal space-y-2 pl-6 text-slate-700">
          <li>
            In Act-On, open <strong>Settings › Connectors › CRM › MS Dynamics</strong> and choose <strong>Connect</strong>. Act-On sends you here with
            a signed, single-use link for your account.
          </li>
          <li>Sign in with a Microsoft account that administers your tenant and your Dynamics environment.</li>
          <li>Review the plan, approve it, and watch each step complete.</li>
        </ol>
        <p className="mt-4 text-sm text-slate-500">
          Rehearsing in the Microsoft sandbox? Run <code className="rounded bg-slate-100 px-1 font-mono">npm run demo</code>; it prints a ready-made
          link and the sandbox users to sign in as.
        </p>
      </section>

      <section className="space-y-4">
        <h2 className="text-xl font-semibold">What the portal does for you</h2>
        <StepList steps={STEPS} />
        <p className="text-sm text-slate-500">
          On-premises Dynamics 365 signs in as your server does (Windows authentication, or AD FS for an Internet-facing deployment): the portal
          checks the URL and the domain user against your server&apos;s Web API, with no Entra steps. Connections on Basic auth can move to OAuth
          without reconfiguring Act-On.
        </p>
      </section>
    </div>
  );
}
