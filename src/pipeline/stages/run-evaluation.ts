// The evaluation of a trained run on the held-out reporting rows: the CTR and CVR models (calibrated on the other
// rows) beside their baselines, trained on the same rows and calibrated the same way, and the oracle; recall@k of
// retrieval over the whole catalogue; the cold path (users without training events); verdicts in words.
import { loadWorld } from '../../data/generate/write-world.js';
import { CTR_CROSSES, CVR_CROSSES, baselineLogits, rowRange, trainLogisticBaseline } from '../../eval/baselines.js';
import { mean } from '../../eval/metrics.js';
import { readHeldOutTruth } from '../../eval/oracle.js';
import type { EpochReport } from '../../train/progress.js';
import { calibrateAll, fitCalibrator } from '../../train/calibration.js';
import type { TrainedRun } from '../train-run.js';
import { evaluateBinary, type BinaryEvaluation, type Scored } from './evaluate.js';
import { evaluateRecall, type RecallEvaluation } from './recall.js';
import { seedExamples, type Examples } from './examples.js';

export interface RunMetrics {
  protocol: { kind: 'holdout' | 'seed'; trainRows: number; validationRows: number; calibrationRows: number; reportRows: number; carved: boolean; note: string };
  ctr: BinaryEvaluation;
  cvr: BinaryEvaluation;
  retrieval: RecallEvaluation;
  coldUsers: { events: number; clicks: number; observedCtr: number; meanCalibratedPctr: number; relativeError: number } | null;
  examples: Examples;
  training: { retrieval: EpochReport[]; ctr: EpochReport[]; cvr: EpochReport[]; bestEpochs: { retrieval: number; ctr: number; cvr: number } };
  verdicts: string[];
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** A scored candidate: logits of every held-out row → calibrated (fitted on the calibration rows) and raw probabilities. */
function scoredFrom(name: string, role: Scored['role'], logits: Float32Array, run: TrainedRun, label: 'clicked' | 'converted', calRows: Int32Array, rows: Int32Array): Scored {
  const y = label === 'clicked' ? run.test.clicked : run.test.converted;
  const calibrator = fitCalibrator(run.config.calibration.method, Float32Array.from(calRows, (r) => logits[r]), Float32Array.from(calRows, (r) => y[r]));
  const picked = Float32Array.from(rows, (r) => logits[r]);
  return { name, role, probs: calibrateAll(calibrator, picked), raw: Float32Array.from(picked, sigmoid) };
}

export async function evaluateRun(run: TrainedRun, options: { worldDir?: string; seed: number }): Promise<RunMetrics> {
  const { splits, test, train, config } = run;
  const truth = options.worldDir ? await readHeldOutTruth(run.data, options.worldDir) : null;
  const all = rowRange(0, test.n);
  const trainRows = rowRange(0, splits.trainRows);
  const validRows = rowRange(splits.trainRows, train.n);
  const cal = splits.calibration;
  const report = splits.report;
  const logitOf = (values: ArrayLike<number>): Float32Array => Float32Array.from(values);

  // CTR: the model, the baselines, the oracle
  const ctrScored: Scored[] = [scoredFrom(`CTR model (${config.name})`, 'model', run.heldOutLogits.ctr, run, 'clicked', cal, all)];
  if (config.evaluation.baselines) {
    const trainRate = mean(train.clicked.subarray(0, splits.trainRows));
    ctrScored.push({ name: 'constant (training CTR)', role: 'baseline', probs: new Float32Array(all.length).fill(trainRate) });
    ctrScored.push(scoredFrom('ad popularity (smoothed ad CTR)', 'baseline', logitOf(test.numerical.get('ad_historical_ctr')!), run, 'clicked', cal, all));
    const lr = trainLogisticBaseline('logistic regression', train, trainRows, validRows, { crosses: CTR_CROSSES, dense: [], label: 'clicked' }, options.seed);
    ctrScored.push(scoredFrom('logistic regression (ids + crosses)', 'baseline', baselineLogits(lr, test, all), run, 'clicked', cal, all));
  }
  if (truth) ctrScored.push({ name: 'oracle (true pCTR)', role: 'oracle', probs: Float32Array.from(truth.pClick) });
  const ctr = evaluateBinary(test, run.stage.featureMap, report, 'clicked', ctrScored, all);

  // CVR on clicked rows
  const clickedAll = rowRange(0, test.n, test);
  const clickedCal = Int32Array.from([...cal].filter((r) => test.clicked[r] === 1));
  const clickedReport = Int32Array.from([...report].filter((r) => test.clicked[r] === 1));
  const cvrScored: Scored[] = [scoredFrom(`CVR model (${config.name}, ${config.cvr.kind === 'esmm' ? 'ESMM' : 'clicked rows'})`, 'model', run.heldOutLogits.cvr, run, 'converted', clickedCal, clickedAll)];
  if (config.evaluation.baselines) {
    const clickedTrain = rowRange(0, splits.trainRows, train);
    const clickedValid = rowRange(splits.trainRows, train.n, train);
    cvrScored.push({ name: 'constant (training CVR)', role: 'baseline', probs: new Float32Array(clickedAll.length).fill(mean(Float32Array.from(clickedTrain, (r) => train.converted[r]))) });
    const lr = trainLogisticBaseline('logistic regression (CVR)', train, clickedTrain, clickedValid, { crosses: CVR_CROSSES, dense: ['bid_log'], label: 'converted' }, options.seed);
    const lrLogits = new Float32Array(test.n);
    baselineLogits(lr, test, clickedAll).forEach((z, i) => (lrLogits[clickedAll[i]] = z));
    cvrScored.push(scoredFrom('logistic regression (ids, device, category, log bid)', 'baseline', lrLogits, run, 'converted', clickedCal, clickedAll));
  }
  if (truth) cvrScored.push({ name: 'oracle (true pCVR)', role: 'oracle', probs: Float32Array.from(clickedAll, (r) => truth.pConvertGivenClick[r]) });
  const cvr = evaluateBinary(test, run.stage.featureMap, clickedReport, 'converted', cvrScored, clickedAll);

  const world = truth && options.worldDir ? await loadWorld(options.worldDir) : undefined;
  const retrieval = await evaluateRecall({
    db: run.data.db, encoder: run.encoder, catalog: run.catalog, testTable: run.stage.tables.test!, rows: report, k: config.evaluation.recallAtK,
    userTower: run.models.userTower, user: run.retrieval.user, categories: run.retrieval.categories, adVectors: run.retrieval.adVectors,
    ctrPriorStrength: config.features.ctrPriorStrength, world, maxClicks: 5000, seed: options.seed,
  });

  const coldRows = Int32Array.from([...report].filter((r) => !(test.userImpressions[r] > 0)));
  const calibratedModel = ctrScored[0].probs;
  const position = new Map<number, number>();
  all.forEach((r, i) => position.set(r, i));
  const coldUsers = coldRows.length
    ? (() => {
        const observedCtr = mean(Float32Array.from(coldRows, (r) => test.clicked[r]));
        const meanCalibratedPctr = mean(Float32Array.from(coldRows, (r) => calibratedModel[position.get(r)!]));
        return { events: coldRows.length, clicks: Math.round(observedCtr * coldRows.length), observedCtr, meanCalibratedPctr, relativeError: meanCalibratedPctr / observedCtr - 1 };
      })()
    : null;

  return {
    protocol: {
      kind: splits.protocol, trainRows: splits.trainRows, validationRows: train.n - splits.trainRows, calibrationRows: cal.length, reportRows: report.length, carved: splits.carved,
      note: splits.protocol === 'seed'
        ? "the seed's protocol: calibration is fitted and metrics are reported on the same held-out rows"
        : 'calibration fitted on the earlier half of the held-out log, metrics reported on its later half',
    },
    ctr, cvr, retrieval, coldUsers, examples: await seedExamples(run),
    training: {
      retrieval: run.retrieval.result.history, ctr: run.ctr.result.history, cvr: run.cvr.result.history,
      bestEpochs: { retrieval: run.retrieval.result.bestEpoch, ctr: run.ctr.result.bestEpoch, cvr: run.cvr.result.bestEpoch },
    },
    verdicts: verdicts(ctr, cvr, retrieval),
  };
}

function verdicts(ctr: BinaryEvaluation, cvr: BinaryEvaluation, retrieval: RecallEvaluation): string[] {
  const out: string[] = [];
  const compare = (what: string, evaluation: BinaryEvaluation): void => {
    const model = evaluation.results.find((r) => r.role === 'model')!;
    for (const base of evaluation.results.filter((r) => r.role === 'baseline')) {
      const d = model.metrics.auc - base.metrics.auc;
      if (!Number.isFinite(d)) continue;
      out.push(`${what}: ${d > 0 ? 'beats' : 'does NOT beat'} ${base.name} (AUC ${model.metrics.auc.toFixed(4)} vs ${base.metrics.auc.toFixed(4)}, ${d >= 0 ? '+' : ''}${d.toFixed(4)}; log loss ${model.metrics.logLoss.toFixed(5)} vs ${base.metrics.logLoss.toFixed(5)})`);
    }
  };
  compare('CTR model', ctr);
  compare('CVR model', cvr);
  const model = retrieval.results.find((r) => r.role === 'model');
  const k = retrieval.k.indexOf(100) >= 0 ? retrieval.k.indexOf(100) : retrieval.k.length - 1;
  if (model) {
    for (const base of retrieval.results.filter((r) => r.role === 'baseline')) {
      const ratio = model.recall[k] / base.recall[k];
      out.push(`two-tower: recall@${retrieval.k[k]} ${model.recall[k].toFixed(4)} is ${ratio.toFixed(2)}× ${base.name} (${base.recall[k].toFixed(4)})`);
    }
  }
  return out;
}
