/** What the hand-off form's server action answers: the link (shown once) or why not. */
export type HandoffLinkState = {
  error: string | null;
  link: { url: string; expiresAt: string; validForHours: number; requiredRole: string } | null;
};
