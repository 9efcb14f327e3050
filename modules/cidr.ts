/**
 * Terraform's `cidrsubnet`, computed at synth time so subnet ranges are literal values in
 * the synthesized JSON (reviewable in golden files and plan comments).
 */
export function cidrSubnet(cidr: string, newBits: number, netNum: number): string {
  const [address, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  const newPrefix = prefix + newBits;
  if (newPrefix > 32 || netNum < 0 || netNum >= 2 ** newBits) {
    throw new Error(`cidrSubnet: cannot take subnet ${netNum} of /${newPrefix} from ${cidr}`);
  }
  const base = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const value = base + netNum * 2 ** (32 - newPrefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
  return `${octets.join(".")}/${newPrefix}`;
}
