/** The tag (Lambda) or label (Cloud Functions) that marks what spillway deployed, and so what teardown may delete. */

/** Tag and label key. */
export const MANAGED_BY_KEY = 'managed-by';

/** Tag and label value. */
export const MANAGED_BY_VALUE = 'spillway';

/** The tags/labels every deployed function carries. */
export const MANAGED_BY_TAGS: Readonly<Record<string, string>> = Object.freeze({ [MANAGED_BY_KEY]: MANAGED_BY_VALUE });

/** Tells whether a function's tags or labels say spillway deployed it. */
export function isManagedBySpillway(tags: Record<string, string> | undefined | null): boolean {
  return tags?.[MANAGED_BY_KEY] === MANAGED_BY_VALUE;
}
