// The feature stage end to end: feature tables from loaded data, the FeatureMap fitted on the training
// rows, and a run directory with feature_map.json and the online tables.
import { join } from 'node:path';
import type { LoadedData } from '../data/load.js';
import type { AggregateOptions } from './aggregates.js';
import { buildFeatureTables, type FeatureTables } from './feature-table.js';
import { DEFAULT_FIT_OPTIONS, fitFeatureMap, saveFeatureMap, type FeatureMap, type FitOptions } from './feature-map.js';
import { writeOnlineTables } from './online/tables.js';

export const FEATURE_MAP_FILE = 'feature_map.json';

export interface FeatureStage {
  tables: FeatureTables;
  featureMap: FeatureMap;
}

export async function buildFeatures(data: LoadedData, options: AggregateOptions, fit: Partial<FitOptions> = {}): Promise<FeatureStage> {
  const tables = await buildFeatureTables(data, options);
  const featureMap = await fitFeatureMap(data.db, tables.train, options, { ...DEFAULT_FIT_OPTIONS, ...fit });
  return { tables, featureMap };
}

/** Writes RUN/feature_map.json and RUN/online/ (each atomically). */
export async function writeFeatureRun(data: LoadedData, stage: FeatureStage, runDir: string): Promise<{ featureMap: string; online: string }> {
  const featureMap = join(runDir, FEATURE_MAP_FILE);
  const online = await writeOnlineTables(data.db, runDir, stage.tables.options.ctrPriorStrength, stage.featureMap.contentHash);
  await saveFeatureMap(featureMap, stage.featureMap);
  return { featureMap, online };
}
