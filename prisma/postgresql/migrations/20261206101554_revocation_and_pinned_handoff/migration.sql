-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "launchLinksValidFrom" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "HandoffLink" ADD COLUMN     "planEnvironment" TEXT,
ADD COLUMN     "planKind" TEXT,
ADD COLUMN     "planRole" TEXT,
ADD COLUMN     "runId" TEXT;
