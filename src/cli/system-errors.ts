// Ordinary trouble with the user's files and disks — an existing file where a folder is needed, permission
// denied, a full disk — reported as typed errors naming the path, for every command alike.
import { AdrankError, type ErrorCode } from '../core/errors.js';

interface Kind {
  code: ErrorCode;
  what: string;
  hint: string;
}

const KINDS: Readonly<Record<string, Kind>> = {
  ENOENT: { code: 'FILE_NOT_FOUND', what: 'no such file or directory', hint: 'check the path' },
  EEXIST: { code: 'BAD_ARGUMENT', what: 'something already exists there', hint: 'a file or folder is in the way; choose another path or move it' },
  ENOTDIR: { code: 'BAD_ARGUMENT', what: 'a part of the path is a file, not a directory', hint: 'choose a path whose folders are directories' },
  EISDIR: { code: 'BAD_ARGUMENT', what: 'it is a directory', hint: 'give the path of a file' },
  ENOTEMPTY: { code: 'BAD_ARGUMENT', what: 'the directory is not empty', hint: 'choose an empty or new folder' },
  EACCES: { code: 'BAD_ARGUMENT', what: 'permission denied', hint: 'choose a path you may read and write, or change its permissions' },
  EPERM: { code: 'BAD_ARGUMENT', what: 'operation not permitted', hint: 'choose a path you may read and write, or change its permissions' },
  EROFS: { code: 'BAD_ARGUMENT', what: 'the file system is read-only', hint: 'write to a writable disk' },
  ENAMETOOLONG: { code: 'BAD_ARGUMENT', what: 'the path is too long', hint: 'choose a shorter path' },
  ELOOP: { code: 'BAD_ARGUMENT', what: 'too many symbolic links', hint: 'check the links along the path' },
  ENOSPC: { code: 'IO_ERROR', what: 'no space left on the device', hint: 'free some disk space or write elsewhere' },
  EDQUOT: { code: 'IO_ERROR', what: 'disk quota exceeded', hint: 'free some space or write elsewhere' },
  EFBIG: { code: 'IO_ERROR', what: 'the file is too large for the file system', hint: 'write to another disk' },
  EIO: { code: 'IO_ERROR', what: 'an input/output error of the device', hint: 'check the disk' },
  EMFILE: { code: 'IO_ERROR', what: 'too many open files', hint: 'raise the open-file limit (ulimit -n)' },
};

/** The typed error for a file-system error of the user's environment, or undefined for anything else. */
export function fromSystemError(e: unknown): AdrankError | undefined {
  if (!(e instanceof Error)) return undefined;
  const errno = e as NodeJS.ErrnoException & { dest?: string };
  const kind = typeof errno.code === 'string' ? KINDS[errno.code] : undefined;
  if (kind && errno.syscall !== undefined) {
    const path = errno.path ?? '';
    const target = errno.dest !== undefined ? ` → ${errno.dest}` : '';
    return new AdrankError(kind.code, `cannot ${errno.syscall}${path ? ` ${path}` : ''}${target}: ${kind.what} (${errno.code})`, {
      location: path ? { file: path } : {},
      hint: kind.hint,
    });
  }
  // DuckDB reports the files it cannot open or write as "IO Error: …" with the path in the message
  const duck = /^IO Error: (.*)/.exec(e.message);
  if (duck) {
    const path = /"([^"]+)"/.exec(duck[1])?.[1];
    return new AdrankError('IO_ERROR', duck[1].split('\n')[0], { location: path ? { file: path } : {}, hint: 'check the path, its permissions and the free disk space' });
  }
  return undefined;
}
