import { createHash } from 'node:crypto';

/** sha256 (hex) of a weight vector's float32 bytes: equal exactly when every bit is. */
export function weightsFingerprint(weights: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))
    .digest('hex');
}
