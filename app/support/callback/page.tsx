/** Microsoft returns here (the SPA redirect URI); the console's sign-in handler finishes and goes back where it began. */
export default function SupportCallbackPage() {
  return (
    <p role="status" className="text-slate-700">
      Finishing sign-in…
    </p>
  );
}
