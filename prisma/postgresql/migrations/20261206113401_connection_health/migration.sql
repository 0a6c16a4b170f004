-- CreateEnum
CREATE TYPE "HealthState" AS ENUM ('healthy', 'degraded', 'failing');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "healthCause" TEXT,
ADD COLUMN     "healthCheckedAt" TIMESTAMP(3),
ADD COLUMN     "healthFailures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "healthSince" TIMESTAMP(3),
ADD COLUMN     "healthState" "HealthState";

-- CreateTable
CREATE TABLE "HealthProbe" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "cause" TEXT,
    "detail" TEXT,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "HealthProbe_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HealthProbe_connectionId_at_idx" ON "HealthProbe"("connectionId", "at");

-- AddForeignKey
ALTER TABLE "HealthProbe" ADD CONSTRAINT "HealthProbe_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
