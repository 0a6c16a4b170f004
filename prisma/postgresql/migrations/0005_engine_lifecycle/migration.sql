-- AlterEnum
ALTER TYPE "ConnectionStatus" ADD VALUE 'disconnecting';

-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'verify';

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "currentRunId" TEXT,
ADD COLUMN     "failingErrorCode" TEXT,
ADD COLUMN     "failingStep" TEXT,
ADD COLUMN     "statusChangedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "ProvisioningRun" ADD COLUMN     "connectionStatusBefore" "ConnectionStatus",
ADD COLUMN     "stagedFacts" JSONB,
ADD COLUMN     "tenantId" TEXT;

-- AlterTable
ALTER TABLE "ProvisioningStep" ADD COLUMN     "action" JSONB,
ADD COLUMN     "actionKind" TEXT;

-- CreateIndex
CREATE INDEX "Connection_failingErrorCode_statusChangedAt_idx" ON "Connection"("failingErrorCode", "statusChangedAt");

-- CreateIndex
CREATE INDEX "Connection_statusChangedAt_idx" ON "Connection"("statusChangedAt");

-- CreateIndex
CREATE INDEX "Connection_currentRunId_idx" ON "Connection"("currentRunId");
