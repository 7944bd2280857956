/**
 * Flavors: Coffer has no Nova, so it keeps its own. The defaults mirror OpenStack's m1.* set
 * (ids 1–5) so that `trove create vm1 2 …` means what it means on a cloud, plus two small ones
 * for dense development hosts.
 */
export interface Flavor {
  id: string;
  name: string;
  ramMb: number;
  vcpus: number;
  /** Root disk in GB; informational here (instances get a separate volume). */
  diskGb: number;
  ephemeralGb: number;
}

export const DEFAULT_FLAVORS: readonly Flavor[] = [
  { id: "1", name: "m1.tiny", ramMb: 512, vcpus: 1, diskGb: 1, ephemeralGb: 0 },
  { id: "2", name: "m1.small", ramMb: 2048, vcpus: 1, diskGb: 20, ephemeralGb: 0 },
  { id: "3", name: "m1.medium", ramMb: 4096, vcpus: 2, diskGb: 40, ephemeralGb: 0 },
  { id: "4", name: "m1.large", ramMb: 8192, vcpus: 4, diskGb: 80, ephemeralGb: 0 },
  { id: "5", name: "m1.xlarge", ramMb: 16384, vcpus: 8, diskGb: 160, ephemeralGb: 0 },
  { id: "6", name: "c1.nano", ramMb: 128, vcpus: 1, diskGb: 1, ephemeralGb: 0 },
  { id: "7", name: "c1.micro", ramMb: 256, vcpus: 1, diskGb: 1, ephemeralGb: 0 },
];
