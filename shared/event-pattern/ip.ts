/** An IP address as an unsigned integer and its family. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

/** An inclusive range of addresses of one family (a CIDR block). */
export interface IpRange {
  readonly version: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let out = 0n;
  for (let i = 1; i <= 4; i++) {
    const octet = m[i]!;
    // Leading zeros are ambiguous (octal in some parsers), so they are not an address.
    if (octet.length > 1 && octet.startsWith('0')) return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  // An embedded IPv4 address may stand for the last two groups (e.g. ::ffff:10.0.0.1).
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): string[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    return groups.every((g) => HEX_GROUP.test(g)) ? groups : undefined;
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!left || !right) return undefined;
  let groups: string[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  let out = 0n;
  for (const g of groups) out = (out << 16n) | BigInt(Number.parseInt(g, 16));
  if (tailV4 !== undefined) out = (out & ~0xffffffffn) | tailV4;
  return out;
}

/** Parses a textual IPv4 (dotted quad) or IPv6 address; undefined when the text is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    return v6 === undefined ? undefined : { version: 6, value: v6 };
  }
  const v4 = parseIpv4(text);
  return v4 === undefined ? undefined : { version: 4, value: v4 };
}

/**
 * Parses `address/prefix-length` into the block it denotes. Host bits set in the address are ignored (the block
 * is the one containing the address). Returns a reason string when the text is not a CIDR block.
 */
export function parseCidr(text: string): IpRange | string {
  const slash = text.indexOf('/');
  if (slash < 0) return 'must be a CIDR block such as 10.0.0.0/24 or 2001:db8::/32 (a "/prefix-length" is required)';
  const addr = parseIpAddress(text.slice(0, slash));
  if (!addr) return `"${text.slice(0, slash)}" is not an IPv4 or IPv6 address`;
  const lengthText = text.slice(slash + 1);
  const bits = addr.version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
    return `prefix length "${lengthText}" must be an integer from 0 to ${bits}`;
  }
  const hostBits = BigInt(bits - Number(lengthText));
  const hostMask = (1n << hostBits) - 1n;
  const first = addr.value & ~hostMask;
  return { version: addr.version, first, last: first | hostMask };
}

/** Whether a textual address lies inside the range (false for text that is not an address of that family). */
export function ipInRange(text: string, range: IpRange): boolean {
  const addr = parseIpAddress(text);
  return addr !== undefined && addr.version === range.version && addr.value >= range.first && addr.value <= range.last;
}
