// The CLI's output streams. When the reader of stdout or stderr goes away (`adrank inspect DIR | head -1`),
// further output is dropped quietly; the command still finishes what it was writing to disk. Any other
// write error (stdout redirected to a full disk) is kept, so the command can end with it.

export interface OutputStream {
  write(text: string): void;
  /** false once the stream has been closed by its reader or has failed */
  readonly open: boolean;
  /** the write error other than a closed pipe, if one happened */
  readonly failure: Error | undefined;
  /** resolves when what was written has been handed on (or has failed) */
  flush(): Promise<void>;
}

const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** Wraps a writable stream so that a closed pipe ends its output without an error or a stack trace. */
export function guardedStream(stream: NodeJS.WritableStream): OutputStream {
  let open = true;
  let failure: Error | undefined;
  const fail = (e: unknown): void => {
    open = false;
    if (!CLOSED.has(String((e as NodeJS.ErrnoException).code))) failure ??= e instanceof Error ? e : new Error(String(e));
  };
  stream.on('error', fail);
  return {
    write(text) {
      if (!open) return;
      try {
        stream.write(text);
      } catch (e) {
        fail(e);
      }
    },
    get open() {
      return open;
    },
    get failure() {
      return failure;
    },
    flush() {
      if (!open) return Promise.resolve();
      return new Promise((resolve) => {
        try {
          stream.write('', () => resolve());
        } catch (e) {
          fail(e);
          resolve();
        }
      });
    },
  };
}
