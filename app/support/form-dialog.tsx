"use client";

import { Dialog } from "radix-ui";
import { Field } from "@/components/ui/field";
import { useState, type InputHTMLAttributes, type ReactNode } from "react";
import { FIELD, OVERLAY, PANEL } from "./console-styles";
import { Button } from "@/components/ui/button";

/**
 * A console action in a Radix dialog: its trigger button, a title and description, the body (a form, then what the
 * API answered) and Close. Closing calls `onClosed`, where the caller forgets the answer, so reopening starts afresh
 * and a secret shown once is not shown again.
 */
export function FormDialog({
  trigger,
  title,
  description,
  onClosed,
  children,
}: {
  trigger: ReactNode;
  title: ReactNode;
  description: ReactNode;
  onClosed: () => void;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) onClosed();
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className={OVERLAY} />
        <Dialog.Content className={PANEL}>
          <Dialog.Title className="text-lg font-semibold">{title}</Dialog.Title>
          <Dialog.Description className="text-sm text-slate-700">{description}</Dialog.Description>
          {children}
          <Dialog.Close asChild>
            <Button variant="secondary">Close</Button>
          </Dialog.Close>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A labelled input whose error, when there is one, is announced and tied to it (`aria-invalid`, `aria-describedby`). */
export function DialogField({
  id,
  label,
  error,
  ...input
}: { id: string; label: ReactNode; error: string | null } & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "className">) {
  return (
    <Field id={id} label={label} error={error} announceError className="space-y-1 text-sm">
      {(control) => <input autoComplete="off" {...input} {...control} className={FIELD} />}
    </Field>
  );
}
