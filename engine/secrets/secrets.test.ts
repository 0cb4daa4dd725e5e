import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decryptSecret,
  encryptSecret,
  loadSecretKey,
  SecretDecryptionError,
  secretKeyFromHex,
  SecretKeyError,
} from './secrets';

const keyA = secretKeyFromHex(crypto.randomBytes(32).toString('hex'));
const keyB = secretKeyFromHex(crypto.randomBytes(32).toString('hex'));

describe('secret encryption', () => {
  it('round-trips JSON values and never repeats a ciphertext', () => {
    for (const value of ['hunter2', '', 42, { nested: ['a', 1] }, 'ünïcødé ✓']) {
      const stored = encryptSecret(keyA, value);
      expect(stored).toMatch(/^enc:v1:[0-9a-f]{8}:[\w-]+:[\w-]+:[\w-]*$/);
      expect(decryptSecret(keyA, stored)).toEqual(value);
    }
    expect(encryptSecret(keyA, 'same')).not.toBe(encryptSecret(keyA, 'same'));
    expect(encryptSecret(keyA, 'hunter2')).not.toContain('hunter2');
  });

  it('detects an altered ciphertext, tag or IV', () => {
    const stored = encryptSecret(keyA, 'a fairly long secret value');
    const parts = stored.split(':');
    for (const index of [3, 4, 5]) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      altered[index] = bytes.toString('base64url');
      expect(() => decryptSecret(keyA, altered.join(':'))).toThrow(/integrity check/);
    }
    expect(() => decryptSecret(keyA, 'enc:v1:garbage')).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(keyA, 'plain text')).toThrow(SecretDecryptionError);
  });

  it('names the key mismatch when decrypting with another key', () => {
    const stored = encryptSecret(keyA, 'hunter2');
    expect(() => decryptSecret(keyB, stored)).toThrow(
      new RegExp(`encrypted with key ${keyA.id}, but the current key is ${keyB.id}`),
    );
    // Even a forged key id cannot make the wrong key decrypt.
    const forged = stored.replace(`enc:v1:${keyA.id}:`, `enc:v1:${keyB.id}:`);
    expect(() => decryptSecret(keyB, forged)).toThrow(/integrity check/);
  });
});

describe('loadSecretKey', () => {
  it('uses FLOWLINE_SECRET_KEY when set', async () => {
    const hex = crypto.randomBytes(32).toString('hex');
    const key = await loadSecretKey({ dataDir: '/nonexistent', secretKey: hex });
    expect(key.bytes.toString('hex')).toBe(hex);
  });

  it('generates a 0600 key file once and reuses it', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowline-key-'));
    try {
      const [first, second] = await Promise.all([
        loadSecretKey({ dataDir, secretKey: undefined }),
        loadSecretKey({ dataDir, secretKey: undefined }),
      ]);
      expect(first.id).toBe(second.id);
      const stat = await fs.stat(path.join(dataDir, 'secret-key'));
      expect(stat.mode & 0o777).toBe(0o600);
      const again = await loadSecretKey({ dataDir, secretKey: undefined });
      expect(decryptSecret(again, encryptSecret(first, 'x'))).toBe('x');
      await fs.writeFile(path.join(dataDir, 'secret-key'), 'not a key');
      await expect(loadSecretKey({ dataDir, secretKey: undefined })).rejects.toThrow(SecretKeyError);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
