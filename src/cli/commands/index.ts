// Every CLI command, in the order `adrank --help` lists them.
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { generateCommand } from './generate.js';
import { featuresCommand } from './features.js';
import { inspectCommand } from './inspect.js';
import { materializeCommand } from './materialize.js';
import { trainCommand } from './train.js';
import { evaluateCommand } from './evaluate.js';
import { predictCommand } from './predict.js';
import { rankCommand } from './rank.js';
import { serveCommand } from './serve.js';
import { registryCommand } from './registry.js';
import { retrainCommand } from './retrain.js';
import { driftCommand } from './drift.js';
import { simulateCommand } from './simulate.js';
import { scheduleCommand } from './schedule.js';

export const COMMANDS: readonly Command[] = [demoCommand, generateCommand, inspectCommand, featuresCommand, trainCommand, evaluateCommand, predictCommand, rankCommand, serveCommand, materializeCommand, registryCommand, retrainCommand, scheduleCommand, driftCommand, simulateCommand];
