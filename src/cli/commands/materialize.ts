// adrank materialize: copy a run's online feature tables into Redis under a new version, then flip the pointer.
import { materialize } from '../../features/online/materialize.js';
import type { Command } from '../command.js';

export const materializeCommand: Command = {
  name: 'materialize',
  summary: 'Write a run\'s online feature tables to Redis under a new versioned prefix and switch readers to it only when complete.',
  positionals: [],
  options: [
    { name: 'run', type: 'string', required: true, help: 'run directory made by `adrank features --run`' },
    { name: 'redis', type: 'string', required: true, help: 'Redis URL, e.g. redis://127.0.0.1:6379' },
    { name: 'namespace', type: 'string', default: 'adrank', help: 'key prefix; several deployments can share one Redis' },
  ],
  async run(args, ctx) {
    const summary = await materialize(args.requireString('run'), args.requireString('redis'), { namespace: args.requireString('namespace') });
    ctx.print(`materialized ${summary.records} records as ${summary.namespace}:${summary.version} in ${summary.seconds.toFixed(1)} s (${summary.recordsPerSec} records/s)${summary.removedVersions.length ? `; removed ${summary.removedVersions.join(', ')}` : ''}`);
    return summary;
  },
};
