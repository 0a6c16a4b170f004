/** The portal's sign-out control: a plain form POST (CSRF-checked by /auth/sign-out), no client JavaScript. */
export function SignOutButton({ className }: { className?: string }) {
  return (
    <form method="post" action="/auth/sign-out" className={className}>
      <button
        type="submit"
        className="rounded px-2 py-1 text-slate-700 underline hover:text-slate-900 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-blue-700"
      >
        Sign out
      </button>
    </form>
  );
}
