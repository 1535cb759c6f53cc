// Runs the module off the page's thread, so a loop that never ends can be stopped: the page
// terminates this worker (Stop, or the time limit) and stays responsive meanwhile.
import { runPlayground, type RunRequest, type RunResult } from "./run.js";

export type RunReply = { result: RunResult } | { error: string };

const scope = self as unknown as { onmessage: (event: MessageEvent<RunRequest>) => void; postMessage(reply: RunReply): void };

scope.onmessage = async (event) => {
  try {
    scope.postMessage({ result: await runPlayground(event.data) });
  } catch (error) {
    scope.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
