import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { EngineConfig } from '../config';

/**
 * Secret values at rest: AES-256-GCM, a random 12-byte IV per value, the 16-byte auth tag kept beside the
 * ciphertext. Stored as `enc:v1:<key id>:<iv>:<tag>:<data>` (base64url parts). The key id (the first 8 hex
 * characters of the key's SHA-256) lets a wrong key be told apart from an altered value in the error.
 * The value is JSON-encoded before encryption, so any JSON value can be a secret.
 */
const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretKey = { readonly bytes: Buffer; readonly id: string };

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/** A stored secret cannot be decrypted: the wrong key, or the value was altered. Never carries the value. */
export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

export function secretKeyFromHex(hex: string): SecretKey {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SecretKeyError('a secret key must be 64 hexadecimal characters (256 bits)');
  }
  const bytes = Buffer.from(hex, 'hex');
  const id = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return { bytes, id };
}

export function secretKeyFilePath(config: Pick<EngineConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'secret-key');
}

/**
 * The key from FLOWLINE_SECRET_KEY; when unset, the one kept in `<data dir>/secret-key`, generated there
 * (mode 0600) on first use. Two processes starting at once agree: only one file creation can win.
 */
export async function loadSecretKey(config: Pick<EngineConfig, 'dataDir' | 'secretKey'>): Promise<SecretKey> {
  if (config.secretKey !== undefined) return secretKeyFromHex(config.secretKey);
  const file = secretKeyFilePath(config);
  await fs.mkdir(config.dataDir, { recursive: true });
  try {
    await fs.writeFile(file, `${crypto.randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const content = (await fs.readFile(file, 'utf8')).trim();
  try {
    return secretKeyFromHex(content);
  } catch {
    throw new SecretKeyError(
      `the secret key file ${file} is damaged: it must hold 64 hexadecimal characters`,
    );
  }
}

export function isEncryptedSecret(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

export function encryptSecret(key: SecretKey, value: unknown): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key.bytes, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${PREFIX}${key.id}:${iv.toString('base64url')}:${tag.toString('base64url')}:${data.toString('base64url')}`;
}

export function decryptSecret(key: SecretKey, stored: string): unknown {
  if (!isEncryptedSecret(stored)) throw new SecretDecryptionError('not an encrypted secret (enc:v1:...)');
  const parts = stored.slice(PREFIX.length).split(':');
  const [keyId, iv, tag, data] = parts;
  if (
    parts.length !== 4 ||
    keyId === undefined ||
    iv === undefined ||
    tag === undefined ||
    data === undefined
  ) {
    throw new SecretDecryptionError('an encrypted secret is malformed');
  }
  if (keyId !== key.id) {
    throw new SecretDecryptionError(
      `a secret was encrypted with key ${keyId}, but the current key is ${key.id}: ` +
        'set FLOWLINE_SECRET_KEY (or the secret-key file in the data folder) to the key it was stored with',
    );
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
    throw new SecretDecryptionError('an encrypted secret is malformed');
  }
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key.bytes, ivBytes);
    decipher.setAuthTag(tagBytes);
    const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    throw new SecretDecryptionError(
      'an encrypted secret failed its integrity check: it was altered or damaged',
    );
  }
}

/**
 * A keyed MAC of a secret value, `mac:v1:<key id>:<mac>`: equal for equal values under one key, and of
 * no use for guessing the value without the key. HMAC-SHA-256 under a key derived from the secret key
 * (never the encryption key itself: one key, one purpose).
 */
export function secretMac(key: SecretKey, value: unknown): string {
  const macKey = crypto.createHmac('sha256', key.bytes).update('flowline secret mac v1').digest();
  const mac = crypto.createHmac('sha256', macKey).update(JSON.stringify(value)).digest('base64url');
  return `mac:v1:${key.id}:${mac}`;
}

const processKey = globalThis as typeof globalThis & { flowlineSecretKey?: Promise<SecretKey> };

/**
 * This process's key, loaded once from the environment (see loadSecretKey). Kept on globalThis so every
 * bundle of the web server shares it; a failed load is not kept, so fixing the file and retrying works.
 */
export function processSecretKey(config: Pick<EngineConfig, 'dataDir' | 'secretKey'>): Promise<SecretKey> {
  if (!processKey.flowlineSecretKey) {
    processKey.flowlineSecretKey = loadSecretKey(config).catch((error: unknown) => {
      processKey.flowlineSecretKey = undefined;
      throw error;
    });
  }
  return processKey.flowlineSecretKey;
}
