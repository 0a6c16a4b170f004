-- CreateTable
CREATE TABLE "PortalSession" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "connectionId" TEXT,
    "intent" TEXT NOT NULL,
    "returnTo" TEXT,
    "actonUserEmail" TEXT,
    "linkJtiHash" TEXT,
    "handoffLinkId" TEXT,
    "handoffSteps" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "idleExpiresAt" TIMESTAMP(3) NOT NULL,
    "absoluteExpiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "revokedReason" TEXT,
    "msTenantId" TEXT,
    "msObjectId" TEXT,
    "msUsername" TEXT,
    "msName" TEXT,
    "signedInAt" TIMESTAMP(3),
    "signInStateHash" TEXT,
    "signInSealed" TEXT,
    "signInStartedAt" TIMESTAMP(3),

    CONSTRAINT "PortalSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PortalSession_tokenHash_key" ON "PortalSession"("tokenHash");

-- CreateIndex
CREATE INDEX "PortalSession_accountId_revokedAt_idx" ON "PortalSession"("accountId", "revokedAt");

-- CreateIndex
CREATE INDEX "PortalSession_connectionId_idx" ON "PortalSession"("connectionId");

-- CreateIndex
CREATE INDEX "PortalSession_linkJtiHash_idx" ON "PortalSession"("linkJtiHash");

-- CreateIndex
CREATE INDEX "PortalSession_absoluteExpiresAt_idx" ON "PortalSession"("absoluteExpiresAt");

-- AddForeignKey
ALTER TABLE "PortalSession" ADD CONSTRAINT "PortalSession_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortalSession" ADD CONSTRAINT "PortalSession_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE SET NULL ON UPDATE CASCADE;
