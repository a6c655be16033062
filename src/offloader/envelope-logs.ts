/** What an envelope asks about log capture. */
import type { TaskEnvelope } from '../contract/envelope.js';
import type { ResolvedTaskDefinition } from '../task.js';

/** The offloader's side of log capture. */
export interface LogSettings {
  /** What envelopes ask by the offloader's `logs` option; `undefined`: capture is off. */
  logs: TaskEnvelope['logs'];
  /** The offloader's `logs` option, under a task's own `logs`. */
  logOptions: { capture: boolean; maxBytes: number };
}

/** What an envelope of `task` asks about log capture: the task's own `logs` over the offloader's, field by field. */
export function logsOf(task: ResolvedTaskDefinition, settings: LogSettings): TaskEnvelope['logs'] {
  const own = task.logs;
  if (own === undefined) return settings.logs;
  const { capture, maxBytes } = settings.logOptions;
  return (own.capture ?? capture) ? { maxBytes: own.maxBytes ?? maxBytes } : undefined;
}
