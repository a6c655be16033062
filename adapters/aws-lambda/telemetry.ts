/**
 * What the Lambda backend tells OpenTelemetry about the function it invokes
 * (the `faas.invoked_*` attributes of its attempt spans).
 */
import type { InvokedFunction } from '../../src/backends/backend.js';

const FUNCTION_ARN = /^arn:[^:]+:lambda:([^:]+):[^:]+:function:([^:]+)/;

/** The invoked function from `functionName` (a name or an ARN, whose region wins over `region`). */
export function invokedLambda(functionName: string, region: string | undefined): InvokedFunction {
  const arn = FUNCTION_ARN.exec(functionName);
  const resolvedRegion = arn?.[1] ?? region;
  return { name: arn?.[2] ?? functionName, provider: 'aws', ...(resolvedRegion === undefined ? {} : { region: resolvedRegion }) };
}
