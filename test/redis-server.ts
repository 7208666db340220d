// Real redis-servers for tests, started on free loopback ports and stopped by the test: plain, with a password
// (requirepass), TLS-only with a self-signed certificate made by openssl, persisted to a directory (so that a
// restart on the same port reads the data back), and a Redis Cluster of several masters.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServerOptions {
  port?: number;
  password?: string;
  /** serve TLS only, with a self-signed certificate for 127.0.0.1 (its PEM is TestRedis.ca) */
  tls?: boolean;
  /** working directory: the database is saved there (on SAVE) and read back when a server starts on it again */
  dir?: string;
  /** start as a cluster node (see startRedisCluster) */
  cluster?: boolean;
}

export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** the certificate to trust, for a TLS server */
  ca?: Buffer;
  stop(): Promise<void>;
}

export interface TestRedisCluster {
  /** the URL of one node (any node leads a cluster-aware client to the others) */
  url: string;
  nodes: TestRedis[];
  stop(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A self-signed certificate and key for 127.0.0.1 in `dir`. */
function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { cert, key };
}

async function waitUntilServing(port: number, options: RedisServerOptions, ca: Buffer | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({ host: '127.0.0.1', port, password: options.password, tls: ca ? { ca } : undefined, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startRedis(portOrOptions: number | RedisServerOptions = {}): Promise<TestRedis> {
  const options = typeof portOrOptions === 'number' ? { port: portOrOptions } : portOrOptions;
  const port = options.port ?? (await freePort());
  const scratch = mkdtempSync(join(tmpdir(), 'adrank-redis-'));
  const dir = options.dir ?? scratch;
  mkdirSync(dir, { recursive: true });
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'];
  let ca: Buffer | undefined;
  if (options.tls) {
    const { cert, key } = makeCertificate(scratch);
    ca = readFileSync(cert);
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  if (options.password) args.push('--requirepass', options.password);
  if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-port', String(await freePort()));
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(port, options, ca);
  } catch (e) {
    await stop();
    throw e;
  }
  const url = `${options.tls ? 'rediss' : 'redis'}://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}127.0.0.1:${port}`;
  return { url, port, process: child, ca, stop };
}

/** A Redis Cluster of `masters` masters (no replicas) on loopback, every slot assigned. */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'adrank-cluster-'));
  const nodes: TestRedis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startRedis({ cluster: true, dir: join(dir, `node-${i}`) }));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitForClusterOk(nodes);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: nodes[0].url, nodes, stop };
}

async function waitForClusterOk(nodes: TestRedis[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (const node of nodes) {
    const client = new Redis(node.url, { maxRetriesPerRequest: 0 });
    try {
      for (;;) {
        const info = String(await client.call('CLUSTER', 'INFO'));
        if (/cluster_state:ok/.test(info) && /cluster_known_nodes:(\d+)/.exec(info)?.[1] === String(nodes.length)) break;
        if (Date.now() > deadline) throw new Error(`the cluster did not converge: ${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }
}
