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

/**
 * What one job may send in one message (a call's arguments, its return value): far above the engine's
 * own limits (1 MiB of input or output), far below what would strain the worker. Structured clone
 * writes a string once per reference, so a job holding 1 MiB can make a 20 MiB message: the bound is
 * on the message, not on what the job holds.
 */
export const MAX_JOB_MESSAGE_BYTES = 8 * 1024 * 1024;

/** What one job's unanswered calls may hold in all: the worker keeps their arguments until it answers. */
export const MAX_JOB_IN_FLIGHT_BYTES = 32 * 1024 * 1024;

/**
 * Node's deserializer hands typed arrays out as views over the frame it read them from, or over a
 * slab of its shared Buffer pool: `view.buffer` then holds other messages' bytes (found by attacking
 * the sandbox: a later job read an earlier one's call arguments, console lines and return value
 * through a copied Float64Array's buffer). Each view gets a buffer of its own here.
 */
class CopyingDeserializer extends v8.DefaultDeserializer {
  /** Node's hook for each typed array (documented for v8.Deserializer, not typed by @types/node). */
  _readHostObject(): unknown {
    const view = nodeReadHostObject.call(this) as ArrayBufferView;
    const own = new Uint8Array(view.byteLength);
    own.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    if (Buffer.isBuffer(view)) return Buffer.from(own.buffer, 0, own.byteLength);
    if (view instanceof DataView) return new DataView(own.buffer);
    const TypedArray = view.constructor as new (
      buffer: ArrayBuffer,
      offset: number,
      length: number,
    ) => unknown;
    return new TypedArray(own.buffer, 0, (view as unknown as { length: number }).length);
  }
}

const nodeReadHostObject = (v8.DefaultDeserializer.prototype as unknown as { _readHostObject(): unknown })
  ._readHostObject;

function deserializeMessage(body: Buffer): unknown {
  const deserializer = new CopyingDeserializer(body);
  deserializer.readHeader();
  return deserializer.readValue();
}

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

/** A message read from the channel, with the size of its frame. */
export type ReceivedFrame = { message: unknown; bytes: number };

/**
 * Reassembles frames from the chunks of a stream. `push` returns the complete messages so far and
 * throws ChannelError on a frame it must refuse; after that the stream is of no further use.
 */
export class FrameReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): ReceivedFrame[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const messages: ReceivedFrame[] = [];
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
        messages.push({ message: deserializeMessage(body), bytes: FRAME_HEADER_BYTES + length });
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
