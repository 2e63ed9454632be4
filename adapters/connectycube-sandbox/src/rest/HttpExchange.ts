// Reading requests and writing JSON answers the way the SDK expects (CORS for cross-origin pages, errors as `{errors}`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RestError } from '../errors.ts';

/** Bodies larger than this are refused: nothing the SDK sends comes close. */
const maxBodyBytes = 1 << 20;

const corsHeaders = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'CB-Token, CB-SDK, CB-AuthKey, Content-Type',
  'Access-Control-Max-Age': '600',
} as const;

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...corsHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: RestError): void {
  sendJson(response, error.status, { errors: error.errors });
}

export function sendPreflight(response: ServerResponse): void {
  response.writeHead(204, corsHeaders);
  response.end();
}

/** The JSON body of a POST/PUT (an empty body is `{}`); malformed JSON is a 400, not a crash. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new RestError(413, { base: ['Request body is too large'] });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw RestError.badRequest('Malformed JSON body');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw RestError.badRequest('The body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
