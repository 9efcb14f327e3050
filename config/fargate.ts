/**
 * Valid Fargate task sizes: CPU units and the memory (MiB) each allows.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
const MEMORY_RANGES: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 }, // 512, 1024, 2048 (1536 is not offered)
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

export const FARGATE_CPU_VALUES: readonly number[] = Object.keys(MEMORY_RANGES).map(Number);

export function isValidFargateCpu(cpu: number): boolean {
  return cpu in MEMORY_RANGES;
}

export function isValidFargateMemory(cpu: number, memoryMiB: number): boolean {
  const range = MEMORY_RANGES[cpu];
  if (!range) return false;
  if (cpu === 256) return [512, 1024, 2048].includes(memoryMiB);
  return memoryMiB >= range.min && memoryMiB <= range.max && (memoryMiB - range.min) % range.step === 0;
}

/** Human-readable list of memory sizes valid for a CPU size, for error messages. */
export function describeFargateMemory(cpu: number): string {
  const range = MEMORY_RANGES[cpu];
  if (!range) return "";
  if (cpu === 256) return "512, 1024, 2048";
  return `${range.min}-${range.max} in steps of ${range.step}`;
}
