// Body of the schema worker thread: answers each task message with its result.
import { parentPort } from "node:worker_threads";
import { type PayloadTask, validatePayload } from "./payload.ts";
import { type VetTask, vetSchema } from "./vet.ts";

parentPort?.on("message", (message: { id: number; task: VetTask | PayloadTask }) => {
  const { task } = message;
  const result =
    "kind" in task && task.kind === "payload" ? validatePayload(task) : vetSchema(task as VetTask);
  parentPort?.postMessage({ id: message.id, result });
});
parentPort?.postMessage({ ready: true });
