/**
 * Availability zones by zone id, per region. Zone *names* (us-east-1a) map to different physical
 * zones in every account, and `data.aws_availability_zones` lists only zones whose state is
 * `available` at plan time: a zone that is briefly impaired shifts every index after it, and
 * `availability_zone` of aws_subnet is ForceNew (ec2/vpc_subnet.go), so one plan would replace
 * every subnet and with them the database subnet group, NAT gateways, endpoints and the
 * provisioner. Zone *ids* (use1-az1) name the same physical zone in every account and are fixed
 * in cdktf.json (`regions.<region>.availabilityZoneIds`); this table is the default where that
 * field is left out.
 *
 * Source: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 * (zone ids per region). Zones that AWS constrains for new customers (use1-az3, apne1-az3) are
 * left out. A region missing here must list its zone ids in cdktf.json.
 */
export const DEFAULT_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["use1-az1", "use1-az2", "use1-az4", "use1-az6"],
  "us-east-2": ["use2-az1", "use2-az2", "use2-az3"],
  "us-west-1": ["usw1-az1", "usw1-az3"],
  "us-west-2": ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"],
  "ca-central-1": ["cac1-az1", "cac1-az2", "cac1-az4"],
  "sa-east-1": ["sae1-az1", "sae1-az2", "sae1-az3"],
  "eu-west-1": ["euw1-az1", "euw1-az2", "euw1-az3"],
  "eu-west-2": ["euw2-az1", "euw2-az2", "euw2-az3"],
  "eu-west-3": ["euw3-az1", "euw3-az2", "euw3-az3"],
  "eu-central-1": ["euc1-az1", "euc1-az2", "euc1-az3"],
  "eu-north-1": ["eun1-az1", "eun1-az2", "eun1-az3"],
  "ap-south-1": ["aps1-az1", "aps1-az2", "aps1-az3"],
  "ap-southeast-1": ["apse1-az1", "apse1-az2", "apse1-az3"],
  "ap-southeast-2": ["apse2-az1", "apse2-az2", "apse2-az3"],
  "ap-northeast-1": ["apne1-az1", "apne1-az2", "apne1-az4"],
  "ap-northeast-2": ["apne2-az1", "apne2-az2", "apne2-az3", "apne2-az4"],
};

/** A zone id: region code abbreviation, digit, `-az`, number (use1-az1, apse2-az3). */
export const ZONE_ID_PATTERN = /^[a-z]{2,6}\d-az\d{1,2}$/;

/**
 * The zone ids a region's VPC spans: the first `count` of the configured list, or of the default.
 * Returns an error message instead when there are not enough.
 */
export function zoneIdsFor(region: string, count: number, configured?: readonly string[]): string[] | string {
  const ids = configured ?? DEFAULT_ZONE_IDS[region];
  if (!ids) return `no default zone list for ${region}: list its zone ids (aws ec2 describe-availability-zones --region ${region} --query 'AvailabilityZones[].ZoneId')`;
  if (ids.length < count) return `${count} zones needed (availabilityZoneCount) but ${configured ? "the list has" : `the default list of ${region} has`} ${ids.length}`;
  return ids.slice(0, count);
}

/** The zone ids of a region already validated by the environment schema. */
export function resolvedZoneIds(region: string, config: { readonly availabilityZoneCount: number; readonly availabilityZoneIds?: readonly string[] }): string[] {
  const zones = zoneIdsFor(region, config.availabilityZoneCount, config.availabilityZoneIds);
  if (typeof zones === "string") throw new Error(`regions.${region}.availabilityZoneIds: ${zones}`);
  return zones;
}
