// Following a registry's champion: the alias file is polled (it is replaced by rename, which inode watchers miss)
// and `onChange` is called with the new champion's id when it moves; it answers the id of the run it then serves
// (null when the load failed). The watcher takes that answer, not the alias, as what is served, and checks the alias
// again after every load, so a champion that moved while a reload was under way is loaded next, and a failed load
// is tried again when the alias changes. A corrupt alias file or a champion that cannot be read is reported to
// `onError` and changes nothing: whatever is being served keeps being served.
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { ALIASES, type Registry } from './registry.js';

export function watchChampion(registry: Registry, current: string | null, onChange: (id: string) => Promise<string | null>, onError: (e: unknown) => void, intervalMs = 500): () => void {
  const path = join(registry.dir, ALIASES);
  let served = current;
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const champion = (await registry.aliases()).champion;
        if (champion === null || champion === served) break;
        const now = await onChange(champion);
        if (now === null) break; // reported by onChange; the alias's next move tries again
        served = now;
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
