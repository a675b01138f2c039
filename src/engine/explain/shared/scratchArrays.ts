/**
 * Working arrays reused from one call to the next (per-step scratch of the replay's kernels): the memory stays one
 * step's worth instead of becoming garbage every step. `scratch(name, length)` is a view of exactly `length` floats,
 * its contents left from the last use.
 */
export function scratchArrays(): (name: string, length: number) => Float32Array {
  const held = new Map<string, Float32Array>();
  return (name, length) => {
    let array = held.get(name);
    if (!array || array.length < length) held.set(name, (array = new Float32Array(length)));
    return array.subarray(0, length);
  };
}
