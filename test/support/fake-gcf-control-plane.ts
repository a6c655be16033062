/** An msw model of the Cloud Functions v2 REST API and the signed upload URL, for the deploy tests; it records requests in order. */
import { HttpResponse, http } from 'msw';

/** The API base the test clients use (msw intercepts it). */
export const GCF_API = 'https://cloudfunctions.googleapis.com/v2';

/** The signed URL the model hands out. */
export const UPLOAD_URL = 'https://storage.googleapis.com/gcf-v2-uploads-test/upload.zip?X-Goog-Signature=test';

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
}

/** A fresh state with no function. */
export function createFakeGcfState(overrides: Partial<FakeGcfState> = {}): FakeGcfState {
  return { calls: [], pendingPolls: 0, authorization: [], ...overrides };
}

const PREFIX = `${GCF_API}/projects/:project/locations/:region`;

/** The msw handlers of the model. */
export function fakeGcfHandlers(state: FakeGcfState) {
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
      return HttpResponse.json({ uploadUrl: UPLOAD_URL, storageSource: { bucket: 'gcf-v2-uploads-test', object: 'upload.zip' } });
    }),
    http.put('https://storage.googleapis.com/gcf-v2-uploads-test/upload.zip', async ({ request }) => {
      state.calls.push('PUT upload');
      state.uploaded = new Uint8Array(await request.arrayBuffer());
      return new HttpResponse(null, { status: 200 });
    }),
    http.get(`${PREFIX}/functions/:name`, ({ request }) => {
      record(request);
      if (state.fn === undefined) return HttpResponse.json({ error: { code: 404, status: 'NOT_FOUND', message: 'not found' } }, { status: 404 });
      return HttpResponse.json(state.fn);
    }),
    http.post(`${PREFIX}/functions`, async ({ request, params }) => {
      record(request);
      state.body = (await request.json()) as Record<string, unknown>;
      const id = new URL(request.url).searchParams.get('functionId');
      const body = state.body;
      return startOperation('create', () => {
        state.fn = {
          ...body,
          state: 'ACTIVE',
          url: `https://${params.region}-${params.project}.cloudfunctions.net/${id}`,
          serviceConfig: { ...(body.serviceConfig as object), uri: `https://${id}-abc123-ew.a.run.app` },
        };
      });
    }),
    http.patch(`${PREFIX}/functions/:name`, async ({ request }) => {
      record(request);
      state.body = (await request.json()) as Record<string, unknown>;
      state.updateMask = new URL(request.url).searchParams.get('updateMask') ?? undefined;
      const body = state.body;
      return startOperation('update', () => {
        state.fn = { ...state.fn, ...body, serviceConfig: { ...(body.serviceConfig as object), uri: 'https://updated-abc123-ew.a.run.app' } };
      });
    }),
    http.delete(`${PREFIX}/functions/:name`, ({ request }) => {
      record(request);
      return startOperation('delete', () => {
        state.fn = undefined;
      });
    }),
    http.get(`${GCF_API}/projects/:project/locations/:region/operations/:operation`, ({ request }) => {
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
