-- AlterTable (columns added in place: redefining Connection would drop 0008's lower() expression indexes)
ALTER TABLE "Connection" ADD COLUMN "healthState" TEXT;
ALTER TABLE "Connection" ADD COLUMN "healthCause" TEXT;
ALTER TABLE "Connection" ADD COLUMN "healthSince" DATETIME;
ALTER TABLE "Connection" ADD COLUMN "healthCheckedAt" DATETIME;
ALTER TABLE "Connection" ADD COLUMN "healthFailures" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "HealthProbe" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "cause" TEXT,
    "detail" TEXT,
    "durationMs" INTEGER NOT NULL,
    CONSTRAINT "HealthProbe_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "HealthProbe_connectionId_at_idx" ON "HealthProbe"("connectionId", "at");
