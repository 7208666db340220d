// Artifacts are written to a temporary path beside the target and renamed into place,
// so a reader never sees a half-written file and a failure leaves the previous version intact.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write `data` to `target` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Run `produce(tmpPath)` to create a file or directory at a temp path, then rename it to `target`. */
export async function produceAtomic<T>(target: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const result = await produce(tmp);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return result;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
