/**
 * Email over SMTP (nodemailer): host, port, TLS and login from the config, the password from
 * PLUMBLINE_SMTP_PASSWORD. Every failure becomes one error naming the server with its fix.
 */
import type { Transporter } from 'nodemailer';
import { TerminalError, TransientError, UnreachableError, errorMessage } from '../lib/errors.ts';
import type { PlumblineError } from '../lib/errors.ts';
import type { EmailMessage, EmailSettings } from './types.ts';

/** How long a notice waits for the SMTP server: to connect, to greet, and between bytes. */
export interface SmtpTimeouts {
  connectMs: number;
  socketMs: number;
}

const SEND_TIMEOUTS: SmtpTimeouts = { connectMs: 15_000, socketMs: 30_000 };

/** A nodemailer transport for the settings (one connection, closed after use). */
export async function smtpTransport(settings: EmailSettings, timeouts: SmtpTimeouts = SEND_TIMEOUTS): Promise<Transporter> {
  // Loaded on use (see bin/plumbline.js): every run imports this module, few send mail.
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.connectMs,
    socketTimeout: timeouts.socketMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/** Sends one email; throws the SMTP failure as an error with its fix. */
export async function sendEmail(settings: EmailSettings, message: EmailMessage): Promise<void> {
  if (message.to.length === 0) return;
  const transport = await smtpTransport(settings);
  try {
    await transport.sendMail({
      from: settings.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: message.images.map((image) => ({ filename: image.filename, content: image.png, cid: image.cid, contentType: 'image/png' })),
    });
  } catch (error) {
    throw smtpFailure(settings, error);
  } finally {
    transport.close();
  }
}

/** A nodemailer error as a plumbline error: a refused login, an unreachable server, a refused recipient. */
export function smtpFailure(settings: EmailSettings, error: unknown): PlumblineError {
  const where = `${settings.host}:${settings.port}`;
  const code = (error as { code?: string }).code ?? '';
  const detail = errorMessage(error);
  const context = { host: where };
  if (code === 'EAUTH' || /\bauth/i.test(detail)) {
    return new TerminalError(`The SMTP server ${where} refused the login${settings.user ? ` of ${settings.user}` : ''}: ${detail}`, {
      fix: settings.user
        ? 'Check notices.email.user and PLUMBLINE_SMTP_PASSWORD (the server may want an app password).'
        : 'The server wants a login: set notices.email.user and PLUMBLINE_SMTP_PASSWORD.',
      context,
      cause: error,
    });
  }
  if (code === 'ECONNECTION' || code === 'EDNS' || code === 'ETLS' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|certificate/i.test(detail)) {
    return new UnreachableError(`The SMTP server ${where} could not be reached: ${detail}`, {
      fix: `Check notices.email.host and port (${where}) and notices.email.secure (true for TLS from the start, usually port 465; false for STARTTLS, usually 587).`,
      context,
      cause: error,
    });
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKET' || /timeout/i.test(detail)) {
    return new TransientError(`The SMTP server ${where} did not answer in time: ${detail}`, {
      fix: `Check that ${where} is reachable from this host (a firewall may drop SMTP); the notice is kept and sent again by the next run.`,
      context,
      cause: error,
    });
  }
  if (code === 'EENVELOPE') {
    return new TerminalError(`The SMTP server ${where} refused the sender or a recipient: ${detail}`, {
      fix: 'Check notices.email.from (the server may allow only its own addresses) and the addresses under notices.email.to.',
      context,
      cause: error,
    });
  }
  return new TerminalError(`The SMTP server ${where} did not take the notice: ${detail}`, {
    fix: 'Check the SMTP settings under notices.email; the notice is kept and sent again by the next run.',
    context,
    cause: error,
  });
}
