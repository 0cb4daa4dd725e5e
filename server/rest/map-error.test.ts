import { describe, expect, it } from 'vitest';
import { InputTooLargeError } from '../../engine/runtime/limits';
import { toTRPCError } from '../errors';
import { toApiError } from './map-error';

describe('an input over the size limit', () => {
  it('is a 413 in REST and PAYLOAD_TOO_LARGE in tRPC, with its message', () => {
    const error = new InputTooLargeError(2 * 1024 * 1024, 1024 * 1024);
    expect(toApiError(error)).toMatchObject({ status: 413, code: 'too_large', message: error.message });
    expect(toTRPCError(error)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: error.message });
  });
});
