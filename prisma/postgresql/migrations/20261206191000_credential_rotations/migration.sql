-- CreateEnum
CREATE TYPE "CredentialRotationPhase" AS ENUM ('started', 'keyStored', 'adding', 'keyAdded', 'verified', 'switched', 'done');

-- CreateTable
CREATE TABLE "CredentialRotation" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "oldSecretId" TEXT NOT NULL,
    "oldKeyId" TEXT,
    "newSecretId" TEXT,
    "newKeyId" TEXT,
    "addKeySentAt" TIMESTAMP(3),
    "phase" "CredentialRotationPhase" NOT NULL DEFAULT 'started',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "removeOldAfter" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastErrorCode" TEXT,
    "lastErrorDetail" TEXT,
    "failureAlertedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CredentialRotation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CredentialRotation_oldSecretId_key" ON "CredentialRotation"("oldSecretId");

-- CreateIndex
CREATE INDEX "CredentialRotation_phase_nextAttemptAt_idx" ON "CredentialRotation"("phase", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "CredentialRotation_connectionId_createdAt_idx" ON "CredentialRotation"("connectionId", "createdAt");

-- AddForeignKey
ALTER TABLE "CredentialRotation" ADD CONSTRAINT "CredentialRotation_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

