/**
 * The two real emulators of bench/soak, each restartable at the same address:
 * the Functions Framework (killed with SIGKILL while requests are in flight,
 * so their connections reset mid-request) and serverless-offline (stopped and
 * started again on its Lambda port).
 */
import { fileURLToPath } from 'node:url';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type FunctionsFrameworkServer, type ServerlessOffline, startFunctionsFramework, startServerlessOffline } from 'spillway/dev';

const GCF_ENTRY = fileURLToPath(new URL('./fixtures/gcf-entry.mjs', import.meta.url));
const LAMBDA_ENTRY = new URL('./fixtures/lambda-entry.mjs', import.meta.url);
const LAMBDA_KEY = 'soak';

/** Both emulators serving one task module. */
export class SoakEmulators {
  readonly #tasksUrl: URL;
  #gcf: FunctionsFrameworkServer | undefined;
  #lambda: ServerlessOffline | undefined;
  #client: LambdaClient | undefined;

  private constructor(tasksUrl: URL) {
    this.#tasksUrl = tasksUrl;
  }

  /** Starts both emulators serving `tasksUrl`. */
  static async start(tasksUrl: URL): Promise<SoakEmulators> {
    const emulators = new SoakEmulators(tasksUrl);
    try {
      await Promise.all([emulators.#startGcf(), emulators.#startLambda()]);
    } catch (error) {
      await emulators.stop();
      throw error;
    }
    return emulators;
  }

  /** `cloudFunctions({ url })` of the Functions Framework. */
  get gcfUrl(): string {
    return (this.#gcf as FunctionsFrameworkServer).url;
  }

  /** The deployed function name in serverless-offline. */
  get functionName(): string {
    return (this.#lambda as ServerlessOffline).functionName(LAMBDA_KEY);
  }

  /** One `LambdaClient` for the emulator's endpoint, kept across restarts (same port) and destroyed by {@link stop}. */
  get lambdaClient(): LambdaClient {
    this.#client ??= (this.#lambda as ServerlessOffline).createClient();
    return this.#client;
  }

  /** Kills the Functions Framework with SIGKILL (its open connections reset), waits `downMs`, starts it again on its port. */
  async crashGcf(downMs: number): Promise<void> {
    const server = this.#gcf as FunctionsFrameworkServer;
    process.kill(server.pid, 'SIGKILL');
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#startGcf(server.port);
  }

  /** Stops serverless-offline, waits `downMs`, starts it again on its Lambda port. */
  async restartLambda(downMs: number): Promise<void> {
    const offline = this.#lambda as ServerlessOffline;
    await offline.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#startLambda(offline.lambdaPort);
  }

  /** Stops both emulators and destroys the Lambda client; safe to call twice. */
  async stop(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
    await Promise.all([this.#gcf?.stop(), this.#lambda?.stop()]);
  }

  async #startGcf(port?: number): Promise<void> {
    this.#gcf = await startFunctionsFramework({ source: GCF_ENTRY, env: { SPILLWAY_TASKS_URL: this.#tasksUrl.href }, ...(port === undefined ? {} : { port }) });
  }

  async #startLambda(lambdaPort?: number): Promise<void> {
    this.#lambda = await startServerlessOffline({
      service: 'spillway-soak',
      functions: { [LAMBDA_KEY]: { entry: LAMBDA_ENTRY, environment: { SPILLWAY_TASKS_URL: this.#tasksUrl.href }, timeoutSeconds: 30 } },
      ...(lambdaPort === undefined ? {} : { lambdaPort }),
    });
  }
}
