// Following a registry's champion: the alias file is polled (it is replaced by rename, which inode watchers miss)
// and `onChange` is called with the new champion's id when it moves. A corrupt alias file or a champion that
// cannot be read is reported to `onError` and changes nothing: whatever is being served keeps being served.
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { ALIASES, type Registry } from './registry.js';

export function watchChampion(registry: Registry, current: string | null, onChange: (id: string) => void, onError: (e: unknown) => void, intervalMs = 500): () => void {
  const path = join(registry.dir, ALIASES);
  let served = current;
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      const champion = (await registry.aliases()).champion;
      if (champion !== null && champion !== served) {
        served = champion;
        onChange(champion);
      }
    } catch (e) {
      onError(e);
    } finally {
      checking = false;
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, () => void check());
  return () => unwatchFile(path);
}
