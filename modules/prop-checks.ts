/**
 * Constructor checks shared by the modules, so every module rejects a bad prop with the same
 * kind of message: construct, prop, what is allowed, and the value it got.
 */
export function requireInteger(owner: string, prop: string, value: number, min: number, max?: number): void {
  if (Number.isInteger(value) && value >= min && (max === undefined || value <= max)) return;
  const allowed = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  throw new Error(`${owner}: ${prop} must be an integer ${allowed}, got ${value}`);
}
