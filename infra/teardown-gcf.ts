/**
 * `spillway teardown gcf`: deletes the function `spillway deploy gcf`
 * created, and only that: a function without the `managed-by: spillway`
 * label is refused.
 */
import { DeployError } from './deploy-error.js';
import { gcfFunctionName } from './deploy-gcf.js';
import { type DeployLog, silentLog } from './deploy-log.js';
import type { GcfApi } from './gcf-api.js';
import { GCF_FUNCTION_NAME, GCF_FUNCTION_NAME_RULE } from './gcf-options.js';
import { isManagedBySpillway, MANAGED_BY_KEY, MANAGED_BY_VALUE } from './managed-by.js';
import type { PollOptions } from './poll.js';
import { waitForGcfOperation } from './wait-for-gcf-operation.js';

/** What `teardownGcf` deletes. */
export interface GcfTeardownOptions {
  /** The function's id. */
  functionName: string;
  /** The Google Cloud project id. */
  project: string;
  /** The region. */
  region: string;
}

/** What `teardownGcf` talks to and reports through. */
export interface GcfTeardownContext {
  /** The Cloud Functions API. */
  api: GcfApi;
  /** Progress lines; silent when omitted. */
  log?: DeployLog;
  /** Backoff of the operation wait. */
  poll?: PollOptions;
}

/** Deletes a managed function and waits for the operation; refuses (ERR_DEPLOY_UNMANAGED) one without the label. */
export async function teardownGcf(options: GcfTeardownOptions, context: GcfTeardownContext): Promise<void> {
  const log = context.log ?? silentLog;
  if (!GCF_FUNCTION_NAME.test(options.functionName)) {
    throw new DeployError(`Expected \`--function\` to be ${GCF_FUNCTION_NAME_RULE}, got ${JSON.stringify(options.functionName)}`, 'ERR_DEPLOY_OPTION');
  }
  const name = gcfFunctionName(options);
  const existing = await context.api.getFunction(name);
  if (existing === undefined) {
    throw new DeployError(
      `The Cloud Function "${options.functionName}" does not exist in ${options.project}/${options.region}; check --function, --project and --region`,
      'ERR_DEPLOY_NOT_FOUND',
    );
  }
  if (!isManagedBySpillway(existing.labels)) {
    throw new DeployError(
      `Refusing to delete the Cloud Function "${options.functionName}": it has no label ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}, so spillway did not deploy it`,
      'ERR_DEPLOY_UNMANAGED',
    );
  }
  log(`deleting function ${options.functionName}…`);
  const operation = await context.api.deleteFunction(name);
  log('waiting for the deletion…');
  await waitForGcfOperation(context.api, operation, `delete ${options.functionName}`, context.poll);
  log(`deleted ${options.functionName}`);
}
