import v8 from 'node:v8';

/**
 * The byte stream between the pool and a runner (the runner's fd 3, a socket pair): frames of a 4-byte
 * big-endian length and a V8-serialized message (structured clone: Map, Date, BigInt travel as they
 * are). Written here instead of Node's IPC channel because Node's reader throws from inside its own
 * event handler on a frame it cannot read ("Unable to deserialize cloned data"), which no code of ours
 * can catch: one bad frame from a runner would end the worker. Here every frame is checked: a frame
 * over the size limit or one that does not deserialize ends that runner alone, with a clear error.
 */
export const FRAME_HEADER_BYTES = 4;

/** Frames beyond this are refused (a runner that sends one is killed). Far above any sane message. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class ChannelError extends Error {
  override name = 'ChannelError';
}

/** One message as a frame, ready to write. Throws (DataCloneError) for values that cannot be cloned. */
export function encodeFrame(message: unknown): Buffer {
  const body = v8.serialize(message);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Reassembles frames from the chunks of a stream. `push` returns the complete messages so far and
 * throws ChannelError on a frame it must refuse; after that the stream is of no further use.
 */
export class FrameReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): unknown[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const messages: unknown[] = [];
    for (;;) {
      if (this.bufferedBytes < FRAME_HEADER_BYTES) return messages;
      const head = this.buffered[0]!.length >= FRAME_HEADER_BYTES ? this.buffered[0]! : this.flatten();
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        throw new ChannelError(`a frame of ${length} bytes (the limit is ${this.maxFrameBytes})`);
      }
      // Chunks are joined only once the whole frame is there: a large frame in many chunks costs one copy.
      if (this.bufferedBytes < FRAME_HEADER_BYTES + length) return messages;
      const data = this.flatten();
      const body = data.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
      try {
        messages.push(v8.deserialize(body));
      } catch (error) {
        throw new ChannelError(`a frame that is not a message (${(error as Error).message})`);
      }
      const rest = data.subarray(FRAME_HEADER_BYTES + length);
      this.buffered = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
    }
  }

  private flatten(): Buffer {
    const data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    this.buffered = [data];
    return data;
  }
}
