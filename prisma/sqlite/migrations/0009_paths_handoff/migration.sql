-- CreateTable
CREATE TABLE "HandoffLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "requiredRole" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "usedBySessionId" TEXT,
    "revokedAt" DATETIME,
    CONSTRAINT "HandoffLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "HandoffLink_connectionId_createdAt_idx" ON "HandoffLink"("connectionId", "createdAt");

-- CreateIndex
CREATE INDEX "HandoffLink_accountId_idx" ON "HandoffLink"("accountId");
