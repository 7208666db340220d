// `adrank features --run RUN`: the FeatureMap and the online tables as a run of their own — one unit, built in a
// temporary folder with its manifest written last (run-dir.ts), so a reader never finds new tables beside an old
// FeatureMap.
import type { LoadedData } from '../data/load.js';
import { writeFeatureRun as writeFeatureFiles, type FeatureStage } from '../features/pipeline.js';
import { writeRun, type Manifest } from './run-dir.js';

export async function writeFeatureRun(data: LoadedData, stage: FeatureStage, runDir: string): Promise<Manifest> {
  return writeRun(runDir, 'features', true, async (tmp) => {
    await writeFeatureFiles(data, stage, tmp);
    return { featureMapHash: stage.featureMap.contentHash };
  });
}
