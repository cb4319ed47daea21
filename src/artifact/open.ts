// Opens a store by URI. Apart from store.ts because the stores import its retry loop: the interface and
// the loop come first, the stores next, and this factory last, so the folder has no import cycle.
import { UserError } from "../errors.js";
import { retryPolicy, type ArtifactStore, type StoreOptions } from "./store.js";

/** Opens `file:///abs/dir` or `s3://bucket[/prefix]`. The S3 client is loaded only for s3:// URIs. */
export async function openStore(uri: string, opts: StoreOptions = {}): Promise<ArtifactStore> {
  const policy = retryPolicy(opts.retry);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UserError(`--store: expected file:///absolute/dir or s3://bucket/prefix, found '${uri}'`);
  }
  if (url.username || url.password) {
    throw new UserError(
      "--store: credentials in the store URI are not accepted",
      "use the AWS credential chain (env, profile, role)",
    );
  }
  if (url.protocol === "file:") {
    if (url.host !== "" && url.host !== "localhost") {
      throw new UserError(`--store: file URIs need an absolute path (file:///dir), found '${uri}'`);
    }
    const { FileStore } = await import("./file-store.js");
    return new FileStore(decodeURIComponent(url.pathname), policy);
  }
  if (url.protocol === "s3:") {
    const bucket = url.host;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new UserError(
        `--store: '${bucket}' is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')`,
      );
    }
    const prefix = url.pathname.replace(/^\/+|\/+$/g, "");
    const env = opts.env ?? process.env;
    const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const { S3Store } = await import("./s3-store.js");
    return new S3Store({
      bucket,
      prefix,
      endpoint,
      region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      policy,
    });
  }
  throw new UserError(`--store: unsupported scheme '${url.protocol}' in '${uri}'; expected file:// or s3://`);
}
