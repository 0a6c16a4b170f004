-- AlterTable
ALTER TABLE "Account" ADD COLUMN "launchLinksValidFrom" DATETIME;

-- AlterTable
ALTER TABLE "HandoffLink" ADD COLUMN "planEnvironment" TEXT;
ALTER TABLE "HandoffLink" ADD COLUMN "planKind" TEXT;
ALTER TABLE "HandoffLink" ADD COLUMN "planRole" TEXT;
ALTER TABLE "HandoffLink" ADD COLUMN "runId" TEXT;
