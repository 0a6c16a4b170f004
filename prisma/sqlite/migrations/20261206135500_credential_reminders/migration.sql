-- AlterTable
ALTER TABLE "Secret" ADD COLUMN "reminderSentDays" INTEGER;
