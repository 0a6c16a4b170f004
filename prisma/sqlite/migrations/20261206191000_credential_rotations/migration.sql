-- CreateTable
CREATE TABLE "CredentialRotation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "oldSecretId" TEXT NOT NULL,
    "oldKeyId" TEXT,
    "newSecretId" TEXT,
    "newKeyId" TEXT,
    "addKeySentAt" DATETIME,
    "phase" TEXT NOT NULL DEFAULT 'started',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "removeOldAfter" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "lastErrorCode" TEXT,
    "lastErrorDetail" TEXT,
    "failureAlertedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "CredentialRotation_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "CredentialRotation_oldSecretId_key" ON "CredentialRotation"("oldSecretId");

-- CreateIndex
CREATE INDEX "CredentialRotation_phase_nextAttemptAt_idx" ON "CredentialRotation"("phase", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "CredentialRotation_connectionId_createdAt_idx" ON "CredentialRotation"("connectionId", "createdAt");

