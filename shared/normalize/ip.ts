/**
 * Client addresses as the API writes them. One field can hold a bare IPv4 or IPv6 address, either
 * with a port (`1.2.3.4:5678`, `[2001:db8::1]:443`), an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`),
 * an empty string, JSON null, the text `<null>`, or a placeholder word. Only a valid address comes
 * out, so an ECS `ip` field never holds anything else.
 */
import { isIP } from 'node:net';

export interface ClientAddress {
  ip: string;
  port?: number;
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Dotted-quad IPv4 (four decimal parts 0-255, no leading zeros: what net.isIP accepts), read by
 * index: nearly every record has one, and this is the cheap path for it.
 */
export function isIPv4(text: string): boolean {
  let parts = 0;
  let i = 0;
  while (parts < 4) {
    const start = i;
    let value = 0;
    while (i < text.length && i - start < 4) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48))
      return false;
    parts++;
    if (parts < 4) {
      if (text.charCodeAt(i) !== 46) return false;
      i++;
    }
  }
  return i === text.length;
}

function portOf(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** IPv4-mapped addresses are reported as plain IPv4, so one client has one address in searches. */
function canonical(ip: string): string | undefined {
  const kind = isIP(ip);
  if (kind === 4) return ip;
  if (kind !== 6) return undefined;
  const mapped = MAPPED_V4.exec(ip);
  if (mapped && isIP(mapped[1]) === 4) return mapped[1];
  return ip.toLowerCase();
}

export function parseClientAddress(value: unknown): ClientAddress | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value.trim();
  if (text === '' || text.length > 100) return undefined;

  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const ip = canonical(stripZone(text.slice(1, close)));
    if (!ip) return undefined;
    const rest = text.slice(close + 1);
    if (rest === '') return { ip };
    if (!rest.startsWith(':')) return undefined;
    const port = portOf(rest.slice(1));
    return port === undefined ? { ip } : { ip, port };
  }

  // Most values are a bare IPv4 address: no colon means no port and no IPv6 to consider.
  if (!text.includes(':')) return isIPv4(text) ? { ip: text } : undefined;

  text = stripZone(text);
  const whole = canonical(text);
  if (whole) return { ip: whole };

  // One colon means IPv4 with a port; an IPv6 address has at least two.
  const colon = text.indexOf(':');
  if (colon > 0 && colon === text.lastIndexOf(':')) {
    const host = text.slice(0, colon);
    if (isIPv4(host)) {
      const port = portOf(text.slice(colon + 1));
      return port === undefined ? { ip: host } : { ip: host, port };
    }
  }
  return undefined;
}

/** Zone ids (`fe80::1%eth0`) name an interface on the client's machine, not part of the address. */
function stripZone(text: string): string {
  const pct = text.indexOf('%');
  return pct < 0 ? text : text.slice(0, pct);
}
