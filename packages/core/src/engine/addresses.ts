/**
 * The one form of an address the engine stores and compares: folded to lower case (addresses
 * are ASCII and case-insensitive), and `alice@<peerId>` is `alice`; `alice@other` stays as it
 * is (routed by a transport). `peerId` is already lower case (the options fold it).
 */
export function normalizeAddress(address: string, peerId: string): string {
  const folded = address.toLowerCase()
  const at = folded.indexOf('@')
  if (at < 0) return folded
  return folded.slice(at + 1) === peerId ? folded.slice(0, at) : folded
}
