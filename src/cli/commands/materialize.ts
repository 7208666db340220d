// adrank materialize: copy a run's online feature tables into Redis (a server or a cluster) under a new version,
// then flip the pointer.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdrankError } from '../../core/errors.js';
import { defaultLayout, materialize } from '../../features/online/materialize.js';
import { MANIFEST, verifyRun } from '../../pipeline/run-dir.js';
import type { Command } from '../command.js';

async function readCa(path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `cannot read the certificate authority file ${path}`, { location: { file: path, field: '--redis-ca' }, hint: 'give a PEM file' });
  }
}

export const materializeCommand: Command = {
  name: 'materialize',
  summary: 'Write a run\'s online feature tables to Redis or a Redis Cluster under a new version and switch readers to it only when complete.',
  positionals: [],
  options: [
    { name: 'run', type: 'string', required: true, help: 'run directory made by `adrank features --run`' },
    { name: 'redis', type: 'string', required: true, help: 'redis://[user:password@]host:port[/db], or rediss://… for TLS; any node of a cluster' },
    { name: 'namespace', type: 'string', default: 'adrank', help: 'key prefix (letters, digits, _ . -); several deployments can share one Redis' },
    { name: 'redis-ca', type: 'string', help: 'PEM file of the certificate authority to trust for rediss:// (default: the system\'s)' },
    { name: 'connect-timeout-ms', type: 'int', default: 5000, min: 1, help: 'give up when Redis is not ready within this' },
    { name: 'ad-shards', type: 'int', min: 1, help: `hashes the ads are spread over; a lookup sends one HMGET per shard (default ${defaultLayout(0).adShards})` },
    { name: 'user-shards', type: 'int', min: 1, help: 'hashes the users are spread over (default one per 4096 users, at least 16)' },
  ],
  async run(args, ctx) {
    const layout = {
      ...(args.number('ad-shards') !== undefined && { adShards: args.number('ad-shards') }),
      ...(args.number('user-shards') !== undefined && { userShards: args.number('user-shards') }),
    };
    const run = args.requireString('run');
    const summary = await materialize(run, args.requireString('redis'), {
      namespace: args.requireString('namespace'),
      // the run as one unit: every file matches its manifest, so a table swapped in after the run was written is
      // refused (a run written by the library without a manifest is read as it is)
      verifyRun: existsSync(join(run, MANIFEST)) ? () => verifyRun(run) : undefined,
      layout,
      connect: { tlsCa: await readCa(args.string('redis-ca')), connectTimeoutMs: args.number('connect-timeout-ms') },
    });
    ctx.print(`materialized ${summary.records} records as ${summary.namespace}:${summary.version} in ${summary.seconds.toFixed(1)} s (${summary.recordsPerSec} records/s)${summary.removedVersions.length ? `; removed ${summary.removedVersions.join(', ')}` : ''}`);
    return summary;
  },
};
