// Which danube-ts protocol extensions the broker offers (proto/danube_ts/). Off, the broker behaves
// like upstream Danube for that path: no announcement, the extension's service is not served.

/** Broker option `extensions`: each defaults to true. */
export interface ExtensionOptions {
  /** The streaming publish path (proto/danube_ts/publish.proto). @default true */
  publishStream?: boolean;
  /** The streaming consume path (proto/danube_ts/consume.proto). @default true */
  consumeStream?: boolean;
}

export type ResolvedExtensions = Required<ExtensionOptions>;

export function resolveExtensions(options: ExtensionOptions | undefined): ResolvedExtensions {
  return {
    publishStream: options?.publishStream !== false,
    consumeStream: options?.consumeStream !== false,
  };
}
