/** What the disconnect form shows after a submit. Pure. */
export type DisconnectFormState = { message: string | null };
