import { buildOpenApiDocument } from "@/lib/api/v1/openapi-document";

export const dynamic = "force-static";

/** The OpenAPI 3.1 document of /api/v1 (public: it describes, it does not disclose). */
export function GET() {
  return Response.json(buildOpenApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}
