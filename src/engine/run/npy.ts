import * as fs from 'node:fs';

/** NumPy `.npy` v1.0 files (little-endian float32 / int32), so any run loads with `numpy.load`. */
export type NpyArray = { dtype: 'float32'; shape: number[]; data: Float32Array } | { dtype: 'int32'; shape: number[]; data: Int32Array };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

function header(descr: string, shape: number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Total header (magic 6 + version 2 + length 2 + dict) is padded to a multiple of 64, ending in '\n'.
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, 'latin1')]);
}

export function encodeNpy(array: NpyArray): Buffer {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) throw new Error(`npy: shape ${array.shape} does not match ${array.data.length} values`);
  const descr = array.dtype === 'float32' ? '<f4' : '<i4';
  const body = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return Buffer.concat([header(descr, array.shape), body]);
}

export async function writeNpy(file: string, array: NpyArray): Promise<void> {
  await fs.promises.writeFile(file, encodeNpy(array));
}

/** A float32 `.npy` file written row block by row block (a matrix too large to hold at once). */
export class Float32NpyWriter {
  private written = 0;
  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly expected: number,
    readonly file: string,
  ) {}

  static async open(file: string, shape: number[]): Promise<Float32NpyWriter> {
    const handle = await fs.promises.open(file, 'wx');
    await handle.write(header('<f4', shape));
    return new Float32NpyWriter(
      handle,
      shape.reduce((a, b) => a * b, 1),
      file,
    );
  }

  async append(values: Float32Array): Promise<void> {
    await this.handle.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.written += values.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
    if (this.written !== this.expected) throw new Error(`${this.file}: wrote ${this.written} of ${this.expected} values`);
  }
}

/** The header of a `.npy` file from its first bytes (enough to hold it): dtype, shape and where the data start. */
function parseHeader(buffer: Buffer, file: string): { descr: string; shape: number[]; dataOffset: number } {
  if (buffer.length < 10 || !buffer.subarray(0, 6).equals(MAGIC)) throw new Error(`${file}: not a .npy file`);
  const major = buffer[6];
  const headerLength = major === 1 ? buffer.readUInt16LE(8) : buffer.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const dict = buffer.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (!descr || shapeText === undefined || /'fortran_order':\s*True/.test(dict)) throw new Error(`${file}: unsupported .npy header`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return { descr, shape, dataOffset: start + headerLength };
}

export function decodeNpy(buffer: Buffer, file = 'npy'): NpyArray {
  const { descr, shape, dataOffset: offset } = parseHeader(buffer, file);
  const count = shape.reduce((a, b) => a * b, 1);
  // Copy into an aligned buffer: typed arrays need byte offsets that are multiples of 4.
  const bytes = new Uint8Array(count * 4);
  bytes.set(buffer.subarray(offset, offset + count * 4));
  if (bytes.length !== count * 4 || buffer.length - offset < count * 4) throw new Error(`${file}: truncated`);
  if (descr === '<f4') return { dtype: 'float32', shape, data: new Float32Array(bytes.buffer) };
  if (descr === '<i4') return { dtype: 'int32', shape, data: new Int32Array(bytes.buffer) };
  throw new Error(`${file}: unsupported dtype ${descr}`);
}

export async function readNpy(file: string): Promise<NpyArray> {
  return decodeNpy(await fs.promises.readFile(file), file);
}

/** A float32 `.npy` file, read straight into one array of its size (readFloat32NpySync). */
export async function readFloat32Npy(file: string): Promise<{ shape: number[]; data: Float32Array }> {
  return readFloat32NpySync(file);
}

export async function readInt32Npy(file: string): Promise<{ shape: number[]; data: Int32Array }> {
  const array = await readNpy(file);
  if (array.dtype !== 'int32') throw new Error(`${file}: expected int32`);
  return array;
}

/** Opens a float32 `.npy` file and reads its header; `fill` then streams the data into a target. */
function openFloat32Npy(file: string): { shape: number[]; fill(target: Float32Array): void; close(): void } {
  const fd = fs.openSync(file, 'r');
  try {
    // v1 headers are padded to 64 bytes and short; 4 KiB holds any header this project writes or reads.
    const head = Buffer.alloc(4096);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    const { descr, shape, dataOffset } = parseHeader(head.subarray(0, got), file);
    if (descr !== '<f4') throw new Error(`${file}: expected float32`);
    return {
      shape,
      fill(target: Float32Array): void {
        const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
        let read = 0;
        while (read < bytes.length) {
          const n = fs.readSync(fd, bytes, read, bytes.length - read, dataOffset + read);
          if (n === 0) throw new Error(`${file}: truncated`);
          read += n;
        }
      },
      close: () => fs.closeSync(fd),
    };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/**
 * Reads a float32 `.npy` file of the expected shape straight into `target` (for example a view of
 * WebAssembly memory), without an intermediate copy. Throws if the file's header or size differs.
 */
export function readFloat32NpyInto(file: string, target: Float32Array, expectedShape: number[]): void {
  const npy = openFloat32Npy(file);
  try {
    if (npy.shape.join(',') !== expectedShape.join(','))
      throw new Error(`${file}: shape (${npy.shape.join(', ')}) where (${expectedShape.join(', ')}) was expected`);
    npy.fill(target);
  } finally {
    npy.close();
  }
}

/** A float32 `.npy` file read into one array of its size (no whole-file buffer and aligned copy). */
export function readFloat32NpySync(file: string): { shape: number[]; data: Float32Array } {
  const npy = openFloat32Npy(file);
  try {
    const data = new Float32Array(npy.shape.reduce((a, b) => a * b, 1));
    npy.fill(data);
    return { shape: npy.shape, data };
  } finally {
    npy.close();
  }
}
