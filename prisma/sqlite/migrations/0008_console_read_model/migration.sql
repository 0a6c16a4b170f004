-- CreateIndex
CREATE INDEX "Connection_status_updatedAt_id_idx" ON "Connection"("status", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "Connection_authMode_updatedAt_id_idx" ON "Connection"("authMode", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "Connection_failingStep_updatedAt_id_idx" ON "Connection"("failingStep", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "Connection_secretExpiresAt_id_idx" ON "Connection"("secretExpiresAt", "id");

-- Support console searches: case-insensitive "starts with" on the account name, the tenant domain and the environment
-- URL, as a range on lower(column) in byte order. Expression indexes cannot be written in the Prisma schema.
CREATE INDEX "Account_name_lower_idx" ON "Account"(lower("name"));
CREATE INDEX "Connection_tenantDomain_lower_idx" ON "Connection"(lower("tenantDomain"));
CREATE INDEX "Connection_environmentUrl_lower_idx" ON "Connection"(lower("environmentUrl"));
