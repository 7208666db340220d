// Progress bars on stderr, drawn only when stderr is a terminal (never in pipes, logs or CI).

export interface Progress {
  update(done: number, total: number, label?: string): void;
  finish(): void;
}

const SILENT: Progress = { update() {}, finish() {} };

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, total, stage = label) {
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 30;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(fraction * width);
      stream.write(`\r${stage.padEnd(16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
