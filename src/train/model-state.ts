// Everything a trained model is made of: dense parameters and embedding tables, by name. The tables of each
// bag share one arena (see engine/embedding/table.ts).
import { assert } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { allocateBag, type EmbeddingSpec, type EmbeddingTable } from '../engine/embedding/table.js';
import { ParamStore, type ParamSpec } from '../engine/params.js';

/** What a model declares about its parameters: dense ones, and embedding tables grouped by bag. */
export interface ModelLayout {
  params(): ParamSpec[];
  embeddingBags(): EmbeddingSpec[][];
}

export class ModelState {
  constructor(
    readonly params: ParamStore,
    readonly tables: ReadonlyMap<string, EmbeddingTable>,
  ) {}

  /** Zero-filled state with the model's layout (to load weights into). */
  static empty(layout: ModelLayout): ModelState {
    const map = new Map<string, EmbeddingTable>();
    for (const bag of layout.embeddingBags()) {
      for (const table of allocateBag(bag)) {
        assert(!map.has(table.spec.name), `table ${table.spec.name} declared twice`);
        map.set(table.spec.name, table);
      }
    }
    return new ModelState(new ParamStore(layout.params()), map);
  }

  /** Fresh state: dense parameters as PyTorch initialises them, tables N(0, σ²) (σ = 1 like nn.Embedding). */
  static initialised(layout: ModelLayout, rng: Rng, embeddingStd = 1): ModelState {
    const state = ModelState.empty(layout);
    const dense = rng.fork('dense');
    for (const spec of state.params.specs) state.params.initialise(spec.name, dense);
    for (const [name, table] of state.tables) table.fillNormal(rng.fork(name), embeddingStd);
    return state;
  }

  table(name: string): EmbeddingTable {
    const table = this.tables.get(name);
    assert(table !== undefined, `unknown embedding table ${name}`);
    return table;
  }
}
