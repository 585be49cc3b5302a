import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError } from './errors.js';

interface Issue {
  path: string;
  message: string;
}

function describe(error: z.ZodError): { code: string; issues: Issue[] } {
  const issues = error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  // A schema can name a sharper code for a failure (e.g. invalid-phone) through the issue params.
  const named = error.issues.find((i) => i.code === 'custom' && typeof i.params?.code === 'string');
  return { code: (named?.code === 'custom' && (named.params?.code as string)) || 'invalid-request', issues };
}

/** Parses a JSON body against `schema`; any problem is a 400 listing every issue, before anything is written. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'send the body as JSON with content-type: application/json',
    );
  }
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new HttpError(400, 'invalid-json', 'the request body is not valid JSON');
  }
  return parseInput(schema, json, 'body');
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const { code, issues } = describe(r.error);
  throw new HttpError(
    400,
    code,
    `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}
