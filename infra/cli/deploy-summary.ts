/** What `spillway deploy lambda|gcf` prints on stdout: summary lines, or (`--json`) the result as one JSON document. */
import type { GcfDeployResult } from '../deploy-gcf.js';
import type { LambdaDeployResult } from '../deploy-lambda.js';

/** The JSON of a Lambda deploy: the result and the options of `lambda()` that invoke it. */
export function lambdaDeployJson(deployed: LambdaDeployResult): Record<string, unknown> {
  return { ...deployed, lambda: { functionName: deployed.functionName, qualifier: deployed.alias } };
}

/** The summary of a Lambda deploy. */
export function lambdaDeployText(deployed: LambdaDeployResult): string {
  return [
    `${deployed.created ? 'created' : 'updated'}  ${deployed.functionName}, version ${deployed.version} behind alias ${deployed.alias}`,
    `arn      ${deployed.qualifiedArn}`,
    `record   ${deployed.recordPath}`,
    `use      lambda({ functionName: '${deployed.functionName}', qualifier: '${deployed.alias}', region: '${deployed.region}' })`,
  ].join('\n');
}

/** The JSON of a Cloud Functions deploy: the result and the options of `cloudFunctions()` that call it. */
export function gcfDeployJson(deployed: GcfDeployResult): Record<string, unknown> {
  return { ...deployed, cloudFunctions: { url: deployed.url } };
}

/** The summary of a Cloud Functions deploy. */
export function gcfDeployText(deployed: GcfDeployResult): string {
  return [
    `${deployed.created ? 'created' : 'updated'}  ${deployed.name}`,
    `url      ${deployed.url}`,
    `record   ${deployed.recordPath}`,
    `use      cloudFunctions({ url: '${deployed.url}' })`,
  ].join('\n');
}
