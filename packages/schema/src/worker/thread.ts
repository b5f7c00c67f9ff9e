// Body of the schema worker thread: answers each task message with its result.
import { parentPort } from "node:worker_threads";
import { type VetTask, vetSchema } from "./vet.ts";

parentPort?.on("message", (message: { id: number; task: VetTask }) => {
  parentPort?.postMessage({ id: message.id, result: vetSchema(message.task) });
});
parentPort?.postMessage({ ready: true });
