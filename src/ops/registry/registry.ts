// A registry of runs: a folder of immutable run directories and one small file of aliases — `champion` (the run
// being served) and `challenger` (the last candidate the gate refused), as MLflow's model aliases — replaced
// atomically (temp file + rename), with the history of every move so a promotion can be rolled back.
//   REGISTRY/registry.json          marks the folder as a registry
//   REGISTRY/aliases.json           { champion, challenger, history }
//   REGISTRY/runs/ID/               runs, each with its manifest (run-dir.ts)
//   REGISTRY/records/ID.json        how a run was made (retrain window, gate decision)
//   REGISTRY/data/ID/               the training window a retrain wrote, so the run's features can be rebuilt
//   REGISTRY/.lock                  held by a retrain or a move of the aliases (lock.ts)
// A corrupt alias file or an alias naming a missing run is refused with BAD_ARTIFACT; nothing here deletes a run.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { AdrankError } from '../../core/errors.js';
import { MANIFEST, verifyRun, type Manifest } from '../../pipeline/run-dir.js';
import { withLock, type Lock } from './lock.js';

export const ALIASES = 'aliases.json';
const MARKER = 'registry.json';

export interface AliasMove {
  at: string;
  action: 'promote' | 'rollback' | 'challenger';
  /** the champion before and after the move (the challenger for 'challenger') */
  from: string | null;
  to: string | null;
  reason: string;
}

export interface Aliases {
  format: 'adrank-aliases';
  version: 1;
  champion: string | null;
  challenger: string | null;
  history: AliasMove[];
}

export interface RegistryRun {
  id: string;
  dir: string;
  createdAt: string;
  aliases: ('champion' | 'challenger')[];
}

const EMPTY: Aliases = { format: 'adrank-aliases', version: 1, champion: null, challenger: null, history: [] };
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A sortable, unique run id: UTC time to the second and two random bytes (four hex digits). */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

export class Registry {
  private constructor(readonly dir: string) {}

  /** Opens an existing registry; `create` makes an empty one when the folder is new or empty. */
  static async open(dir: string, options: { create?: boolean } = {}): Promise<Registry> {
    const root = resolve(dir);
    if (existsSync(join(root, MARKER))) return new Registry(root);
    const empty = !existsSync(root) || (statSync(root).isDirectory() && readdirSync(root).length === 0);
    if (!options.create || !empty) {
      throw new AdrankError(existsSync(root) ? 'BAD_ARGUMENT' : 'FILE_NOT_FOUND', `${root} is not an adrank registry (no ${MARKER})`, {
        location: { file: root },
        hint: empty ? 'a retrain creates the registry: `adrank retrain --data DIR --registry DIR`' : 'give a registry folder, or a new or empty folder to create one in',
      });
    }
    await mkdir(join(root, 'runs'), { recursive: true });
    await writeFile(join(root, MARKER), JSON.stringify({ format: 'adrank-registry', version: 1 }) + '\n');
    return new Registry(root);
  }

  get lockPath(): string {
    return join(this.dir, '.lock');
  }

  runDir(id: string): string {
    return join(this.dir, 'runs', checkId(id));
  }

  recordPath(id: string): string {
    return join(this.dir, 'records', `${checkId(id)}.json`);
  }

  dataDir(id: string): string {
    return join(this.dir, 'data', checkId(id));
  }

  /** The aliases file, checked; an absent one is an empty registry's. */
  async aliases(): Promise<Aliases> {
    const path = join(this.dir, ALIASES);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return { ...EMPTY, history: [] };
    }
    return parseAliases(text, path);
  }

  /** Ids of the complete runs (a folder with a manifest), oldest first. */
  runIds(): string[] {
    const runs = join(this.dir, 'runs');
    if (!existsSync(runs)) return [];
    return readdirSync(runs).filter((id) => ID.test(id) && existsSync(join(runs, id, MANIFEST))).sort();
  }

  async list(): Promise<RegistryRun[]> {
    const aliases = await this.aliases();
    const out: RegistryRun[] = [];
    for (const id of this.runIds()) {
      const manifest = JSON.parse(await readFile(join(this.runDir(id), MANIFEST), 'utf8')) as Manifest;
      const tags: RegistryRun['aliases'] = [];
      if (aliases.champion === id) tags.push('champion');
      if (aliases.challenger === id) tags.push('challenger');
      out.push({ id, dir: this.runDir(id), createdAt: manifest.createdAt, aliases: tags });
    }
    return out;
  }

  /** The run an alias points at, checked file by file; null when the alias is unset. */
  async resolve(alias: 'champion' | 'challenger'): Promise<{ id: string; dir: string; manifest: Manifest } | null> {
    const id = (await this.aliases())[alias];
    if (id === null) return null;
    return { id, dir: this.runDir(id), manifest: await this.checkRun(id, `the alias ${alias}`) };
  }

  /** Verifies that run `id` is in the registry and whole; `who` names what points at it in the error. */
  async checkRun(id: string, who = 'the run'): Promise<Manifest> {
    const dir = this.runDir(id);
    if (!existsSync(join(dir, MANIFEST))) {
      throw new AdrankError('BAD_ARTIFACT', `${who} names run ${id}, which is not in the registry ${this.dir}`, {
        location: { file: join(this.dir, ALIASES), value: id },
        hint: `list the runs with \`adrank registry list --registry ${this.dir}\` and promote one of them`,
      });
    }
    const manifest = await verifyRun(dir);
    if (manifest.kind !== 'train') throw new AdrankError('BAD_ARTIFACT', `run ${id} is a feature run, not a trained run`, { location: { file: dir }, hint: 'only trained runs can be served' });
    return manifest;
  }

  /** Makes `id` the champion (under the lock unless the caller holds it). */
  async promote(id: string, reason: string, held?: Lock): Promise<Aliases> {
    return this.move(held, `promote ${id}`, async (a) => {
      await this.checkRun(id);
      const move: AliasMove = { at: new Date().toISOString(), action: 'promote', from: a.champion, to: id, reason };
      return { ...a, champion: id, challenger: a.challenger === id ? null : a.challenger, history: [...a.history, move] };
    });
  }

  /** Puts the champion back to the one the last promotion replaced. */
  async rollback(reason: string, held?: Lock): Promise<Aliases> {
    return this.move(held, 'rollback', async (a) => {
      const last = [...a.history].reverse().find((m) => m.action !== 'challenger' && m.to === a.champion);
      const target = last?.action === 'promote' ? last.from : last?.action === 'rollback' ? previousOf(a.history, last) : null;
      if (!target) {
        throw new AdrankError('BAD_ARGUMENT', `there is no earlier champion to roll back to (champion: ${a.champion ?? 'none'})`, {
          location: { file: join(this.dir, ALIASES) },
          hint: 'promote a run explicitly with `adrank registry promote RUN`',
        });
      }
      await this.checkRun(target, 'the rollback');
      const move: AliasMove = { at: new Date().toISOString(), action: 'rollback', from: a.champion, to: target, reason };
      return { ...a, champion: target, history: [...a.history, move] };
    });
  }

  async setChallenger(id: string | null, reason: string, held?: Lock): Promise<Aliases> {
    return this.move(held, 'set challenger', async (a) => {
      if (id !== null) await this.checkRun(id);
      return { ...a, challenger: id, history: [...a.history, { at: new Date().toISOString(), action: 'challenger', from: a.challenger, to: id, reason }] };
    });
  }

  /** Copies a run directory into the registry under a new id (verified before and after). */
  async add(runDir: string, id = newRunId()): Promise<string> {
    await verifyRun(runDir);
    const target = this.runDir(id);
    if (existsSync(target)) throw new AdrankError('BAD_ARGUMENT', `the registry already holds a run ${id}`, { location: { file: target }, hint: 'runs are immutable: choose another id' });
    const tmp = join(this.dir, 'runs', `.${id}.partial-${process.pid}`);
    await cp(runDir, tmp, { recursive: true });
    try {
      await verifyRun(tmp);
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return id;
  }

  private async move(held: Lock | undefined, purpose: string, change: (a: Aliases) => Promise<Aliases>): Promise<Aliases> {
    const apply = async (): Promise<Aliases> => {
      const next = await change(await this.aliases());
      await writeFileAtomic(join(this.dir, ALIASES), JSON.stringify(next, null, 1) + '\n');
      return next;
    };
    return held ? apply() : withLock(this.lockPath, purpose, apply);
  }
}

/** The champion a rollback-to-`last` had replaced: what the promotion of `last.to` came from, walking back. */
function previousOf(history: AliasMove[], last: AliasMove): string | null {
  const i = history.lastIndexOf(last);
  const promotion = history.slice(0, i).reverse().find((m) => m.action === 'promote' && m.to === last.to);
  return promotion?.from ?? null;
}

function checkId(id: string): string {
  if (!ID.test(id)) throw new AdrankError('BAD_ARGUMENT', `"${id}" is not a run id`, { location: { value: id }, hint: 'run ids are letters, digits, ".", "_" and "-" (see `adrank registry list`)' });
  return id;
}

/** Parses and checks an alias file's text. */
export function parseAliases(text: string, path: string): Aliases {
  const bad = (why: string): AdrankError => new AdrankError('BAD_ARTIFACT', `the alias file ${path} is corrupt: ${why}`, {
    location: { file: path },
    hint: 'restore it, or set the champion again with `adrank registry promote RUN` (the runs themselves are untouched)',
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  const a = raw as Partial<Aliases>;
  if (typeof a !== 'object' || a === null || a.format !== 'adrank-aliases' || a.version !== 1) throw bad('not an adrank alias file');
  for (const key of ['champion', 'challenger'] as const) {
    if (a[key] !== null && (typeof a[key] !== 'string' || !ID.test(a[key]))) throw bad(`${key} is ${JSON.stringify(a[key])}`);
  }
  if (!Array.isArray(a.history)) throw bad('history is not a list');
  return a as Aliases;
}
