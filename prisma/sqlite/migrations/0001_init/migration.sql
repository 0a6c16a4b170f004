-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "actonAccountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "authMode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "environmentUrl" TEXT,
    "environmentName" TEXT,
    "environmentId" TEXT,
    "tenantId" TEXT,
    "tenantDomain" TEXT,
    "clientId" TEXT,
    "applicationObjectId" TEXT,
    "servicePrincipalId" TEXT,
    "applicationUserId" TEXT,
    "securityRole" TEXT,
    "integrationUsername" TEXT,
    "syncOptions" JSONB,
    "lastVerifiedAt" DATETIME,
    "secretExpiresAt" DATETIME,
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "disconnectedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Connection_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProvisioningRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'planning',
    "plan" JSONB,
    "options" JSONB,
    "approvedAt" DATETIME,
    "approvedBy" TEXT,
    "currentStep" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "notBefore" DATETIME,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ProvisioningRun_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProvisioningStep" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "notBefore" DATETIME,
    "errorCode" TEXT,
    "userMessage" TEXT,
    "errorDetail" TEXT,
    "requestIds" JSONB,
    "output" JSONB,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ProvisioningStep_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ProvisioningRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ProvisioningStep_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Secret" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "keyId" TEXT NOT NULL,
    "iv" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "authTag" TEXT NOT NULL,
    "microsoftKeyId" TEXT,
    "hint" TEXT,
    "expiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    CONSTRAINT "Secret_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "occurredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "accountId" TEXT,
    "connectionId" TEXT,
    "runId" TEXT,
    "outcome" TEXT,
    "detail" JSONB
);

-- CreateTable
CREATE TABLE "DeepLinkNonce" (
    "nonce" TEXT NOT NULL PRIMARY KEY,
    "actonAccountId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_actonAccountId_key" ON "Account"("actonAccountId");

-- CreateIndex
CREATE INDEX "Connection_status_updatedAt_idx" ON "Connection"("status", "updatedAt");

-- CreateIndex
CREATE INDEX "Connection_tenantId_idx" ON "Connection"("tenantId");

-- CreateIndex
CREATE INDEX "Connection_accountId_idx" ON "Connection"("accountId");

-- CreateIndex
CREATE INDEX "Connection_updatedAt_idx" ON "Connection"("updatedAt");

-- CreateIndex
CREATE INDEX "ProvisioningRun_status_leaseUntil_idx" ON "ProvisioningRun"("status", "leaseUntil");

-- CreateIndex
CREATE INDEX "ProvisioningRun_status_notBefore_idx" ON "ProvisioningRun"("status", "notBefore");

-- CreateIndex
CREATE INDEX "ProvisioningRun_connectionId_createdAt_idx" ON "ProvisioningRun"("connectionId", "createdAt");

-- CreateIndex
CREATE INDEX "ProvisioningStep_connectionId_idx" ON "ProvisioningStep"("connectionId");

-- CreateIndex
CREATE INDEX "ProvisioningStep_status_idx" ON "ProvisioningStep"("status");

-- CreateIndex
CREATE UNIQUE INDEX "ProvisioningStep_runId_name_key" ON "ProvisioningStep"("runId", "name");

-- CreateIndex
CREATE INDEX "Secret_connectionId_status_idx" ON "Secret"("connectionId", "status");

-- CreateIndex
CREATE INDEX "Secret_keyId_idx" ON "Secret"("keyId");

-- CreateIndex
CREATE INDEX "AuditEvent_connectionId_occurredAt_idx" ON "AuditEvent"("connectionId", "occurredAt");

-- CreateIndex
CREATE INDEX "AuditEvent_accountId_occurredAt_idx" ON "AuditEvent"("accountId", "occurredAt");

-- CreateIndex
CREATE INDEX "AuditEvent_occurredAt_idx" ON "AuditEvent"("occurredAt");

-- CreateIndex
CREATE INDEX "DeepLinkNonce_expiresAt_idx" ON "DeepLinkNonce"("expiresAt");

-- The audit log is append-only: refuse edits and deletions at the database, not only in code.
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;
