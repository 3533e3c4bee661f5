import type { FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';

/**
 * The OpenAPI transform: zod schemas to JSON schema, plus `multipartBody`, a zod schema that documents a
 * multipart form as the request body of a route that parses its parts itself (Fastify does not validate it).
 */
export const documentMultipartBodies: typeof jsonSchemaTransform = (document) => {
  const schema = document.schema as (FastifySchema & { multipartBody?: ZodType }) | undefined;
  if (!schema?.multipartBody) return jsonSchemaTransform(document);
  const { multipartBody, ...rest } = schema;
  return jsonSchemaTransform({ ...document, schema: { ...rest, body: multipartBody } });
};
