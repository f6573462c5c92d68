import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { StateError } from './state-error.js';

/**
 * The line framing of the state files (logs and snapshots): `<crc32 of the JSON, 8 hex digits> <JSON>\n`,
 * the JSON encoded once. A line torn by a crash fails its checksum, so it is dropped (or refused) whole.
 */
export function frame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const line = Buffer.allocUnsafe(length + 10);
  line.write(json, 9, 'utf8');
  return sealLine(line, length);
}

/** The line whose `length` bytes of JSON are written at offset 9 of `buffer`: its checksum, space and newline added. */
export function sealLine(buffer: Buffer, length: number): Buffer {
  buffer.write(crc32(buffer.subarray(9, 9 + length)).toString(16).padStart(8, '0'), 0, 'latin1');
  buffer[8] = 0x20;
  buffer[length + 9] = 0x0a;
  return buffer.subarray(0, length + 10);
}

/** The JSON value a framed line holds (without its newline), or undefined when the line is damaged. */
export function unframe(line: Buffer): unknown {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const json = line.subarray(9);
  if (crc32(json) !== Number.parseInt(line.toString('latin1', 0, 8), 16)) return undefined;
  try {
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A state file opened for reading; undefined when there is none, a StateError when it cannot be opened. */
export async function openStateFile(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

const CHUNK_BYTES = 1 << 20;

/**
 * The complete lines of a file (without their newline), read a chunk at a time so that a file of hundreds
 * of megabytes never sits in memory whole; `end` is the offset just after the line. Bytes after the last
 * newline (a line torn by a crash) are not yielded. A line is valid only until the next one is asked for:
 * every chunk is read into the same buffer, so a start does not leave a megabyte of garbage per chunk.
 */
export async function* fileLines(file: FileHandle): AsyncGenerator<{ line: Buffer; end: number }> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry: Buffer[] = [];
  let position = 0;
  for (;;) {
    const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return;
    const chunk = buffer.subarray(0, bytesRead);
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, 0); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      let line = chunk.subarray(start, nl);
      if (carry.length > 0) {
        line = Buffer.concat([...carry, line]);
        carry = [];
      }
      start = nl + 1;
      yield { line, end: position + start };
    }
    // Copied: the buffer is read into again.
    if (start < bytesRead) carry.push(Buffer.from(chunk.subarray(start)));
    position += bytesRead;
  }
}
