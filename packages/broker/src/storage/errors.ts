/** Why a storage operation failed. */
export type StorageErrorCode =
  /** The log or store was closed; no more writes are accepted. */
  | "CLOSED"
  /** An earlier write failed; the log or store refuses writes until it is reopened (fail closed). */
  | "FAILED"
  /** A file system call failed while writing; nothing in the failed batch was acknowledged. */
  | "IO"
  /** Data on disk failed validation where it cannot be repaired by truncating a tail. */
  | "CORRUPT"
  /** A record or value exceeds the format's size limit. */
  | "TOO_LARGE"
  /** The caller passed something the API does not accept. */
  | "INVALID_ARGUMENT";

/** The one error class thrown or rejected by the storage layer; `code` says why. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wraps a file system failure so every caller sees a StorageError with code "IO" and the cause. */
export function ioError(context: string, cause: unknown): StorageError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageError("IO", `${context}: ${detail}`, { cause });
}
