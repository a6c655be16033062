/**
 * A model of the Cloud Functions v2 REST API and its signed upload URL for
 * the deploy tests, as msw request handlers: msw intercepts `fetch`
 * in-process, or control-plane-server.ts serves the same handlers on
 * 127.0.0.1 for a CLI in a child process (the e2e test). It records requests in order, keeps
 * the function between calls, and is as strict as functions.proto on the
 * points deploy depends on:
 *
 * - `functionId` must be 4-63 characters of `[a-z0-9-]` (`INVALID_ARGUMENT` otherwise);
 * - revisions: each create or patch makes a new revision; the new one serves
 *   traffic only when `serviceConfig.allTrafficOnLatestRevision` is true
 *   (sent on a patch, and named in its `updateMask`, or already true on the
 *   function); `servingRevision` tells which one serves;
 * - `serviceConfig.availableCpu` is reported, derived from memory as the
 *   Cloud Functions memory table gives it.
 */
import { HttpResponse, http } from 'msw';

/** The API base the test clients use (msw intercepts it). */
export const GCF_API = 'https://cloudfunctions.googleapis.com/v2';

/** The signed URL the model hands out. */
const UPLOAD_URL = 'https://storage.googleapis.com/gcf-v2-uploads-test/upload.zip?X-Goog-Signature=test';

const FUNCTION_ID = /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/;
/** Default vCPUs by memory (MiB), from the Cloud Functions memory table. */
const CPU_BY_MEMORY: Record<string, string> = { '128Mi': '0.083', '256Mi': '0.167', '512Mi': '0.333', '1024Mi': '0.583', '2048Mi': '1', '4096Mi': '2' };

/** The model's state. */
export interface FakeGcfState {
  /** `METHOD path` in arrival order. */
  calls: string[];
  /** The function, when it exists. */
  fn?: Record<string, unknown>;
  /** Bytes received by the upload URL. */
  uploaded?: Uint8Array;
  /** Last create/update body. */
  body?: Record<string, unknown>;
  /** Last update mask. */
  updateMask?: string;
  /** How many operation polls answer `done: false` before `done: true`. */
  pendingPolls: number;
  /** An error the operation finishes with. */
  operationError?: { code: number; message: string };
  /** Authorization headers seen. */
  authorization: string[];
  /** Number of the newest revision (0: none). */
  latestRevision: number;
  /** Number of the revision that serves traffic (0: none). */
  servingRevision: number;
}

/** A fresh state with no function. */
export function createFakeGcfState(overrides: Partial<FakeGcfState> = {}): FakeGcfState {
  return { calls: [], pendingPolls: 0, authorization: [], latestRevision: 0, servingRevision: 0, ...overrides };
}

/** Where the model answers: the API base and the signed upload URL it hands out. */
export interface FakeGcfUrls {
  /** @default GCF_API */
  api?: string;
  /** @default UPLOAD_URL */
  upload?: string;
}

function googleError(status: number, code: string, message: string): Response {
  return HttpResponse.json({ error: { code: status, status: code, message } }, { status });
}

type Json = Record<string, unknown>;

/** Applies a finished create or patch: a new revision, which serves when all traffic goes to the latest one. */
function rollOut(state: FakeGcfState, fn: Json, allTrafficOnLatest: boolean, uri: string): Json {
  state.latestRevision += 1;
  if (allTrafficOnLatest || state.servingRevision === 0) state.servingRevision = state.latestRevision;
  const service = (fn.serviceConfig as Json | undefined) ?? {};
  const memory = String(service.availableMemory ?? '256Mi');
  return {
    ...fn,
    state: 'ACTIVE',
    serviceConfig: {
      ...service,
      availableCpu: service.availableCpu ?? CPU_BY_MEMORY[memory] ?? '1',
      allTrafficOnLatestRevision: state.servingRevision === state.latestRevision,
      revision: `rev-${state.latestRevision}`,
      uri,
    },
  };
}

/** The msw handlers of the model, answering at `urls` (a server's `http://127.0.0.1:<port>/...` in the e2e test). */
export function fakeGcfHandlers(state: FakeGcfState, urls: FakeGcfUrls = {}) {
  const api = (urls.api ?? GCF_API).replace(/\/$/, '');
  const uploadUrl = urls.upload ?? UPLOAD_URL;
  const PREFIX = `${api}/projects/:project/locations/:region`;
  let remaining = 0;
  let finish: (() => void) | undefined;
  const record = (request: Request): void => {
    const url = new URL(request.url);
    state.calls.push(`${request.method} ${url.pathname.replace('/v2/', '')}`);
    state.authorization.push(request.headers.get('authorization') ?? '');
  };
  const startOperation = (kind: string, onDone: () => void) => {
    remaining = state.pendingPolls;
    finish = onDone;
    return HttpResponse.json({ name: `projects/p/locations/r/operations/${kind}-1`, done: false });
  };
  return [
    http.post(`${PREFIX}/functions:generateUploadUrl`, ({ request }) => {
      record(request);
      return HttpResponse.json({ uploadUrl, storageSource: { bucket: 'gcf-v2-uploads-test', object: 'upload.zip' } });
    }),
    http.put(uploadUrl.split('?')[0] ?? uploadUrl, async ({ request }) => {
      state.calls.push('PUT upload');
      state.uploaded = new Uint8Array(await request.arrayBuffer());
      return new HttpResponse(null, { status: 200 });
    }),
    http.get(`${PREFIX}/functions/:name`, ({ request }) => {
      record(request);
      if (state.fn === undefined) return googleError(404, 'NOT_FOUND', 'not found');
      return HttpResponse.json(state.fn);
    }),
    http.post(`${PREFIX}/functions`, async ({ request }) => {
      record(request);
      const id = new URL(request.url).searchParams.get('functionId') ?? '';
      if (!FUNCTION_ID.test(id)) {
        return googleError(400, 'INVALID_ARGUMENT', `Invalid function_id "${id}": must be 4-63 characters of lowercase letters, digits and hyphens`);
      }
      const body = (await request.json()) as Json;
      state.body = body;
      const all = (body.serviceConfig as Json | undefined)?.allTrafficOnLatestRevision !== false;
      return startOperation('create', () => {
        state.fn = rollOut(state, body, all, `https://${id}-abc123-ew.a.run.app`);
      });
    }),
    http.patch(`${PREFIX}/functions/:name`, async ({ request }) => {
      record(request);
      const body = (await request.json()) as Json;
      state.body = body;
      state.updateMask = new URL(request.url).searchParams.get('updateMask') ?? undefined;
      const masked = state.updateMask === undefined || state.updateMask.split(',').includes('serviceConfig.allTrafficOnLatestRevision');
      const sent = (body.serviceConfig as Json | undefined)?.allTrafficOnLatestRevision;
      const before = (state.fn?.serviceConfig as Json | undefined)?.allTrafficOnLatestRevision === true;
      const all = masked && sent !== undefined ? sent === true : before;
      return startOperation('update', () => {
        state.fn = rollOut(state, { ...state.fn, ...body }, all, 'https://updated-abc123-ew.a.run.app');
      });
    }),
    http.delete(`${PREFIX}/functions/:name`, ({ request }) => {
      record(request);
      return startOperation('delete', () => {
        state.fn = undefined;
      });
    }),
    http.get(`${api}/projects/:project/locations/:region/operations/:operation`, ({ request }) => {
      record(request);
      if (remaining > 0) {
        remaining -= 1;
        return HttpResponse.json({ name: new URL(request.url).pathname.replace('/v2/', ''), done: false });
      }
      if (state.operationError !== undefined) return HttpResponse.json({ name: 'op', done: true, error: state.operationError });
      finish?.();
      return HttpResponse.json({ name: 'op', done: true, response: state.fn });
    }),
  ];
}
