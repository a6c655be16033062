/**
 * The request body, read by the handler itself when the server left it
 * unread (an Express app or `node:http` server without a body parser), with
 * `maxBodyBytes` applied before reading (a larger `Content-Length` is refused
 * without reading a byte) and while reading (reading stops at the first byte
 * past the cap). The Functions Framework always reads the body first (its
 * body parsers accept up to 1024 MB); on deployed Cloud Functions the front
 * end refuses requests over 32 MB before the instance reads them.
 */
import type { IncomingMessage } from 'node:http';

/** The bytes of the body; or, over the cap, its size by `Content-Length` or the bytes read before reading stopped (`partial`). */
export type CappedBody = { ok: true; bytes: Buffer } | { ok: false; sizeBytes: number; partial: boolean };

/** True when `req` is a request stream nothing has read yet. */
export function unreadBody(req: object): req is IncomingMessage {
  const stream = req as Partial<IncomingMessage>;
  return typeof stream.on === 'function' && stream.readable === true && stream.readableEnded === false && stream.readableDidRead === false;
}

/** Reads `req`'s body up to `maxBytes`; see the module comment. */
export function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<CappedBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, sizeBytes: declared, partial: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: CappedBody | Error): void => {
      req.off('data', onData).off('end', onEnd).off('error', finish);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.pause();
      chunks.length = 0;
      finish({ ok: false, sizeBytes: size, partial: true });
    };
    const onEnd = (): void => finish({ ok: true, bytes: Buffer.concat(chunks, size) });
    req.on('data', onData).on('end', onEnd).on('error', finish);
  });
}
