/**
 * Data locality in the scheduler's terms: what moving a task's data out of
 * its region costs. Pure, like the rest of the scheduler.
 */

/**
 * Default price of moving 1 GB (2^30 bytes) between two regions, USD: AWS's
 * rate between most region pairs (US East to US West, US to Europe), $0.02
 * per GB, as third-party transcriptions of its rate matrix give it
 * (redresscompliance.com, "AWS inter-region transfer costs"; finopsforge.com
 * gives $0.02-$0.08 by pair). `cloud-facts` lists no inter-region figure.
 * Override it with `cost.crossRegionUsdPerGb`.
 */
export const CROSS_REGION_USD_PER_GB = 0.02;

const BYTES_PER_GB = 2 ** 30;

/** The cost of moving `bytes` from `dataRegion` to a remote in `remoteRegion`, USD: 0 in the same region or when either is unknown. */
export function crossRegionUsd(dataRegion: string | undefined, remoteRegion: string | undefined, bytes: number, usdPerGb: number): number {
  if (dataRegion === undefined || remoteRegion === undefined || dataRegion === remoteRegion) return 0;
  return (bytes / BYTES_PER_GB) * usdPerGb;
}
