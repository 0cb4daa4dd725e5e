import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The flow API's declarations (shipped by the engine) for the code editor; null when not there. */
export async function readFlowApiTypes(): Promise<string | null> {
  try {
    return await readFile(path.join(process.cwd(), 'engine', 'api', 'flow-api.d.ts'), 'utf8');
  } catch {
    return null;
  }
}
