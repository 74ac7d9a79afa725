/** `alice@<peerId>` is `alice`; `alice@other` stays as it is (routed by a transport). */
export function normalizeAddress(address: string, peerId: string): string {
  const at = address.indexOf('@')
  if (at < 0) return address
  return address.slice(at + 1) === peerId ? address.slice(0, at) : address
}
