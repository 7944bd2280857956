/** Whether `value` is an IPv4 CIDR such as 198.51.100.0/24 (dotted decimal without leading zeros, /0 to /32). */
export function isIpv4Cidr(value: unknown): value is string {
  return typeof value === "string" && IPV4_CIDR.test(value);
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?\\d)$`);
