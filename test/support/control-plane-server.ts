/**
 * The local models of the Lambda and Cloud Functions control planes
 * (fake-lambda-control-plane.ts, fake-gcf-control-plane.ts) served from a
 * real HTTP server on 127.0.0.1, for a `spillway deploy` or `teardown` that
 * runs in a child process, where msw cannot intercept. The same msw handlers
 * answer, through msw's `getResponse`; the models keep their state between
 * calls, so a test can check create, re-deploy and teardown in order.
 *
 * The server also answers the token exchange of a Google `external_account`
 * credential (workload identity federation, whose `token_url` the credential
 * file names): google-auth-library sends the subject token there and gets an
 * access token back, so a deploy authenticates as with real Application
 * Default Credentials and nothing leaves 127.0.0.1.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getResponse, HttpResponse, http } from 'msw';
import { createFakeGcfState, type FakeGcfState, fakeGcfHandlers } from './fake-gcf-control-plane.js';
import { createFakeLambdaState, type FakeLambdaState, fakeLambdaHandlers } from './fake-lambda-control-plane.js';

/** The access token the token endpoint hands out; the GCF model records the Authorization headers it sees. */
export const LOCAL_ACCESS_TOKEN = 'local-access-token';

/** A running server with both models. */
export interface ControlPlaneServer {
  /** `http://127.0.0.1:<port>`: the Lambda endpoint (`AWS_ENDPOINT_URL_LAMBDA`, `--endpoint`). */
  lambdaEndpoint: string;
  /** `http://127.0.0.1:<port>/v2`: the Cloud Functions API base (`--api-endpoint`). */
  gcfApi: string;
  /** The Lambda model's state. */
  lambda: FakeLambdaState;
  /** The Cloud Functions model's state. */
  gcf: FakeGcfState;
  /** Subject tokens the token endpoint received, in order. */
  tokenExchanges: string[];
  /**
   * Writes a Google `external_account` credential file into `dir` whose token exchange is this
   * server, and returns its path (for `GOOGLE_APPLICATION_CREDENTIALS`).
   */
  writeGoogleCredentials(dir: string): string;
  close(): Promise<void>;
}

async function toRequest(message: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = message.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks);
  return new Request(new URL(message.url ?? '/', origin), { method, headers, ...(body === undefined ? {} : { body }) });
}

async function send(response: Response, to: ServerResponse): Promise<void> {
  to.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  to.end(Buffer.from(await response.arrayBuffer()));
}

/** The token endpoint of the `external_account` credential (an STS token exchange). */
function tokenHandler(origin: string, exchanges: string[]) {
  return http.post(`${origin}/token`, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    exchanges.push(form.get('subject_token') ?? '');
    return HttpResponse.json({
      access_token: LOCAL_ACCESS_TOKEN,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3600,
    });
  });
}

/** Starts the server on 127.0.0.1 with a fresh state in both models. */
export async function startControlPlaneServer(): Promise<ControlPlaneServer> {
  let handlers: Parameters<typeof getResponse>[0] = [];
  const server = createServer((message, response) => {
    toRequest(message, origin)
      .then(async (request) => (await getResponse(handlers, request)) ?? new Response(`No model answers ${request.method} ${request.url}`, { status: 404 }))
      .then((answer) => send(answer, response))
      .catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const lambda = createFakeLambdaState();
  const gcf = createFakeGcfState();
  const tokenExchanges: string[] = [];
  handlers = [
    ...fakeLambdaHandlers(lambda, origin),
    ...fakeGcfHandlers(gcf, { api: `${origin}/v2`, upload: `${origin}/upload/gcf-source.zip?X-Goog-Signature=test` }),
    tokenHandler(origin, tokenExchanges),
  ];
  return {
    lambdaEndpoint: origin,
    gcfApi: `${origin}/v2`,
    lambda,
    gcf,
    tokenExchanges,
    writeGoogleCredentials(dir) {
      const subjectTokenFile = join(dir, 'subject-token.txt');
      writeFileSync(subjectTokenFile, 'local-subject-token');
      const path = join(dir, 'google-credentials.json');
      const credential = {
        type: 'external_account',
        audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/local/providers/local',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: `${origin}/token`,
        credential_source: { file: subjectTokenFile },
      };
      writeFileSync(path, `${JSON.stringify(credential, null, 2)}\n`);
      return path;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
