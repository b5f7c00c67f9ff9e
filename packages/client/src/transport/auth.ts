// The bearer-token interceptor: `authorization: Bearer <jwt>` on every call, and one retry of a
// unary call with a fresh token when the broker answers UNAUTHENTICATED.
import {
  CallCredentials,
  type CallOptions,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type NextCall,
  status as Status,
  type StatusObject,
} from "@grpc/grpc-js";
import type { TokenSource } from "./tokens.ts";

/** The request header carrying the token, as upstream's clients send it. */
export const authorizationHeader = "authorization";

/** Per-call credentials that add the current token and record which token they sent. */
function tokenCredentials(tokens: TokenSource, sent: (token: string) => void): CallCredentials {
  return CallCredentials.createFromMetadataGenerator((_params, callback) => {
    tokens.get().then(
      (token) => {
        sent(token);
        const metadata = new Metadata();
        metadata.set(authorizationHeader, `Bearer ${token}`);
        callback(null, metadata);
      },
      (error: unknown) => {
        // grpc-js fails the call with this code and "Getting metadata from plugin failed ...".
        const message = error instanceof Error ? error.message : String(error);
        callback(Object.assign(new Error(message), { code: Status.UNAUTHENTICATED }));
      },
    );
  });
}

/**
 * The interceptor every stub of a client with a token gets. Per-call credentials work on TLS and
 * plaintext channels alike (grpc-js refuses to compose them into insecure channel credentials).
 * A static token is not retried: the broker would refuse the same token again.
 */
export function authInterceptor(tokens: TokenSource): Interceptor {
  return (options, nextCall) => {
    let sentToken: string | undefined;
    const attempt = (): ReturnType<NextCall> => {
      const credentials = tokenCredentials(tokens, (token) => {
        sentToken = token;
      });
      const callOptions: CallOptions = {
        ...options,
        credentials: options.credentials ? options.credentials.compose(credentials) : credentials,
      };
      return nextCall(callOptions as typeof options);
    };
    const definition = options.method_definition;
    const unary = !definition.requestStream && !definition.responseStream;
    if (!unary) {
      // Streams are not replayed; the next stream (after the owner's recovery) gets a new token.
      return new InterceptingCall(attempt(), {
        start(metadata, _listener, next) {
          next(metadata, {
            onReceiveStatus(status, nextStatus) {
              if (status.code === Status.UNAUTHENTICATED) tokens.invalidate(sentToken);
              nextStatus(status);
            },
          });
        },
      });
    }

    let savedMetadata: Metadata | undefined;
    let savedMessage: unknown;
    let retry: ReturnType<NextCall> | undefined;
    let cancelled = false;
    return new InterceptingCall(attempt(), {
      start(metadata, _listener, next) {
        savedMetadata = metadata.clone();
        let heldMessage: unknown = null;
        let forwardMessage: ((message: unknown) => void) | undefined;
        next(metadata, {
          onReceiveMessage(message, nextMessage) {
            // Held until the status: a refused first attempt is replaced by the retry's answer.
            heldMessage = message;
            forwardMessage = nextMessage;
          },
          onReceiveStatus(status, nextStatus) {
            const refused = status.code === Status.UNAUTHENTICATED;
            if (refused) tokens.invalidate(sentToken);
            const again = refused && tokens.refreshable && !cancelled && retry === undefined;
            if (!again || savedMetadata === undefined) {
              forwardMessage?.(heldMessage);
              nextStatus(status);
              return;
            }
            // The token was refused: ask the supplier again (unless another call just did) and
            // send the same request once more; its answer is the call's answer.
            let retryMessage: unknown = null;
            retry = attempt();
            retry.start(savedMetadata, {
              onReceiveMessage(message: unknown) {
                retryMessage = message;
              },
              onReceiveStatus(retryStatus: StatusObject) {
                if (retryStatus.code === Status.UNAUTHENTICATED) tokens.invalidate(sentToken);
                forwardMessage?.(retryMessage);
                nextStatus(retryStatus);
              },
            });
            retry.sendMessage(savedMessage);
            retry.halfClose();
          },
        });
      },
      sendMessage(message, next) {
        savedMessage = message;
        next(message);
      },
      cancel(next) {
        cancelled = true;
        retry?.cancelWithStatus(Status.CANCELLED, "Cancelled on client");
        next();
      },
    });
  };
}
