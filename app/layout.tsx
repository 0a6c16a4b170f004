import type { Metadata } from "next";
import Link from "next/link";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: "Act-On · Connect Microsoft Dynamics 365",
  description: "Connect Microsoft Dynamics 365 to Act-On in minutes: app registration, consent and application user, done for you.",
  icons: { icon: [{ url: "/favicon.svg", type: "image/svg+xml" }] },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request: proxy.ts gives each response a fresh CSP nonce, and Next.js can only put it on
  // the scripts of a page it renders now (a page prerendered at build time would have its scripts blocked).
  await connection();
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen font-sans">
        <a
          href="#main"
          className="sr-only rounded bg-white px-3 py-2 font-medium text-blue-800 focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:ring-2 focus:ring-blue-600"
        >
          Skip to content
        </a>
        <header className="border-b border-slate-200 bg-white">
          <div className="mx-auto flex max-w-4xl items-center justify-between px-6 py-3">
            <Link
              href="/"
              className="rounded focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
            >
              {/* eslint-disable-next-line @next/next/no-img-element -- a static SVG from public/, nothing to optimise */}
              <img src="/logo.svg" alt="Act-On · Dynamics onboarding" width={200} height={40} />
            </Link>
          </div>
        </header>
        <main id="main" className="mx-auto max-w-4xl px-6 py-10">
          {children}
        </main>
      </body>
    </html>
  );
}
