-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "onPremisesSignIn" TEXT,
ADD COLUMN     "adfsClientId" TEXT,
ADD COLUMN     "webApiVersion" TEXT;
