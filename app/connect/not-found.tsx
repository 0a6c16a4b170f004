import Link from "next/link";

/** Shown for a connection id that does not exist or belongs to another Act-On account (the two look the same). */
export default function ConnectionNotFound() {
  return (
    <div className="space-y-4">
      <h1 className="text-3xl font-bold tracking-tight">Connection not found</h1>
      <p className="max-w-2xl text-slate-700">
        There is no such connection for the Act-On account you came from. Open the link again from Act-On (Settings › Connectors › CRM › MS Dynamics);
        it brings you to your own connection.
      </p>
      <Link href="/" className="text-blue-800 underline">
        What this portal does
      </Link>
    </div>
  );
}
