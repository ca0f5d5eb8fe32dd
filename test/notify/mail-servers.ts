/**
 * Test receivers for notices: a real SMTP server (smtp-server) that requires a login and keeps
 * every message with the password it was given, a local HTTP endpoint that keeps every POST, and
 * a small MIME reader for the messages (leaf parts decoded from base64 or quoted-printable).
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface TestSmtp {
  port: number;
  mails: ReceivedMail[];
  /** Every password a client logged in with. */
  passwords: string[];
  close(): Promise<void>;
}

/** Starts an SMTP server on `port` (0: any free one) that accepts `user` / `password` only. */
export async function startSmtp(user: string, password: string, port = 0): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const passwords: string[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      passwords.push(auth.password ?? '');
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return { port: address.port, mails, passwords, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestHook {
  url: string;
  posts: ReceivedPost[];
  /** The status the endpoint answers with (default 204). */
  status: number;
  close(): Promise<void>;
}

/** Starts an HTTP endpoint that keeps every request body. */
export async function startHook(): Promise<TestHook> {
  const posts: ReceivedPost[] = [];
  const hook: Partial<TestHook> = { posts, status: 204 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      posts.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(hook.status!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/plumbline`;
  hook.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return hook as TestHook;
}

/** A port nothing listens on (bound once, then released). */
export async function deadPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One leaf part of a MIME message: its headers (lower-case names) and decoded body. */
export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
}

/** The headers of a message (or part) and the text after them. */
export function splitHeaders(raw: string): { headers: Record<string, string>; rest: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end < 0 ? raw : raw.slice(0, end);
  const rest = end < 0 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest };
}

/** Every leaf part of a MIME message, decoded. */
export function mimeParts(raw: string): MimePart[] {
  const { headers, rest } = splitHeaders(raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (boundary && /^multipart\//i.test(headers['content-type'] ?? '')) {
    const pieces = rest.split(`--${boundary}`).slice(1);
    return pieces.filter((p) => !p.startsWith('--')).flatMap((p) => mimeParts(p.replace(/^\r?\n/, '')));
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  let body: Buffer;
  if (encoding === 'base64') body = Buffer.from(rest.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') {
    const soft = rest.replace(/=\r?\n/g, '');
    body = Buffer.from(
      soft.replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    );
  } else body = Buffer.from(rest, 'utf8');
  return [{ headers, body }];
}

/** The text/plain, text/html and image parts of a message, and its subject. */
export function readMail(raw: string): { subject: string; text: string; html: string; images: MimePart[] } {
  const parts = mimeParts(raw);
  const find = (type: string): string => parts.find((p) => (p.headers['content-type'] ?? '').startsWith(type))?.body.toString('utf8') ?? '';
  const subject = decodeWords(splitHeaders(raw).headers.subject ?? '');
  return { subject, text: find('text/plain'), html: find('text/html'), images: parts.filter((p) => (p.headers['content-type'] ?? '').startsWith('image/')) };
}

// RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=) in a header.
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, how: string, text: string) =>
    how.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_n, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
}
