// Small helpers shared by the HTTP servers: bodies, JSON answers, and the generic faults.
import type http from 'node:http';
import type { FaultAction } from './faults.ts';

/** Read a request body as text (capped, so a runaway client cannot exhaust memory). */
export async function readBody(req: http.IncomingMessage, maxBytes = 10 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Send a JSON answer (`body` may be pre-serialized JSON text). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Send a text answer with this content type. */
export function sendText(res: http.ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sleep for `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Apply the faults that happen before a request is served (delay, status, drop).
 * Returns true when the request has been answered (or cut) and must not be served.
 */
export async function applyPreFaults(actions: readonly FaultAction[], res: http.ServerResponse): Promise<boolean> {
  for (const action of actions) {
    if (action.kind === 'delay') await sleep(action.ms);
  }
  for (const action of actions) {
    if (action.kind === 'status') {
      const headers: Record<string, string> = {};
      if (action.retryAfter !== undefined) headers['retry-after'] = String(action.retryAfter);
      const body = action.body ?? { message: action.status === 429 ? 'Too Many Requests' : 'Service unavailable (sandbox fault)' };
      sendJson(res, action.status, body, headers);
      return true;
    }
    if (action.kind === 'drop') {
      cutResponse(res, action.when ?? 'mid-response');
      return true;
    }
  }
  return false;
}

/** Destroy the connection, optionally after headers and part of a body were sent. */
export function cutResponse(res: http.ServerResponse, when: 'before' | 'mid-response'): void {
  if (when === 'mid-response') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '4096' });
    res.write('{"items":[{"id":"');
  }
  // Give the partial write a moment to reach the client before the reset.
  setTimeout(() => res.socket?.destroy(), when === 'mid-response' ? 10 : 0);
}

/** Close an HTTP server and every connection it holds (keep-alive would hold close() open). */
export function closeHttpServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
