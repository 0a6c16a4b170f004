/**
 * The disconnect confirmation says whether the admin still has a usable Microsoft sign-in for the connection: one
 * past its expiry does not count (the engine would refuse to act with it), as the sign-in's owner decides.
 */
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { useTestDatabase } from "@/test/support/test-databases";
import { previewDisconnect } from "./disconnect-connection";

describe("previewDisconnect", () => {
  const t = useTestDatabase("sqlite");

  async function connectionWithSignIn(name: string, expiresAt: Date | null) {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${name}`, name: "Contoso" });
    const connection = await t.db.connection.create({
      data: { accountId: account.id, authMode: "cloud", status: "active", clientId: "35000000-0000-4000-8000-000000000001" },
    });
    await t.db.secret.create({
      data: {
        connectionId: connection.id,
        kind: "adminTokenCache",
        status: "active",
        keyId: "test",
        iv: "iv",
        ciphertext: "c",
        authTag: "t",
        expiresAt,
      },
    });
    await t.db.secret.create({
      data: {
        connectionId: connection.id,
        kind: "clientSecret",
        status: "active",
        keyId: "test",
        iv: "iv",
        ciphertext: "c",
        authTag: "t",
        hint: "abc",
      },
    });
    return connection.id;
  }

  it("counts a sign-in that has not expired", async () => {
    const id = await connectionWithSignIn("live", new Date(Date.now() + 60_000));
    const preview = await previewDisconnect(id, t.db);
    expect(preview).toMatchObject({ needsMicrosoftSignIn: true, signedIn: true, secrets: [{ kind: "clientSecret", hint: "abc" }] });
  });

  it("does not count a sign-in past its expiry", async () => {
    const id = await connectionWithSignIn("expired", new Date(Date.now() - 60_000));
    const preview = await previewDisconnect(id, t.db);
    expect(preview).toMatchObject({ needsMicrosoftSignIn: true, signedIn: false });
  });
});
