-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "onPremisesSignIn" TEXT;
ALTER TABLE "Connection" ADD COLUMN "adfsClientId" TEXT;
ALTER TABLE "Connection" ADD COLUMN "webApiVersion" TEXT;
