-- CreateTable
CREATE TABLE "HandoffLink" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "requiredRole" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedBySessionId" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "HandoffLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HandoffLink_connectionId_createdAt_idx" ON "HandoffLink"("connectionId", "createdAt");

-- CreateIndex
CREATE INDEX "HandoffLink_accountId_idx" ON "HandoffLink"("accountId");

-- AddForeignKey
ALTER TABLE "HandoffLink" ADD CONSTRAINT "HandoffLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
