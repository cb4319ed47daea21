// `s3://bucket/prefix` store through @aws-sdk/client-s3, with an S3-compatible endpoint when given. The
// SDK's own retries are off (maxAttempts 1) so that `retrying` alone bounds the attempts and the wait.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PermanentStoreError, retrying, type ArtifactStore, type RetryPolicy } from "./store.js";

interface S3StoreOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly policy: RetryPolicy;
}

interface AwsError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

const status = (err: unknown): number | undefined => (err as AwsError).$metadata?.httpStatusCode;

/** Turns errors that no retry will fix into PermanentStoreError; leaves network and 5xx errors as they are. */
function classify(err: unknown): never {
  const name = (err as AwsError).name ?? "";
  const code = status(err);
  if (name === "CredentialsProviderError") {
    throw new PermanentStoreError("no AWS credentials found (env, profile or role)", { cause: err });
  }
  if (
    name === "NoSuchBucket" ||
    name === "AccessDenied" ||
    name === "InvalidAccessKeyId" ||
    name === "SignatureDoesNotMatch"
  ) {
    throw new PermanentStoreError(`${name}: ${(err as Error).message}`, { cause: err });
  }
  if (code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429) {
    throw new PermanentStoreError(`HTTP ${code} ${name}: ${(err as Error).message}`, { cause: err });
  }
  throw err;
}

export class S3Store implements ArtifactStore {
  readonly uri: string;
  /** The store as named in errors: with the endpoint, since "unreachable" is about the endpoint. */
  private readonly label: string;
  private readonly client: S3Client;
  constructor(private readonly o: S3StoreOptions) {
    this.uri = `s3://${o.bucket}${o.prefix ? `/${o.prefix}` : ""}`;
    this.label = o.endpoint ? `${this.uri} (endpoint ${o.endpoint})` : this.uri;
    // The SDK's Node 20 support notice would land in every init container's log; it is not actionable there.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    this.client = new S3Client({
      region: o.region ?? "us-east-1",
      endpoint: o.endpoint,
      forcePathStyle: o.endpoint !== undefined,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  }

  private key(key: string): string {
    return this.o.prefix ? `${this.o.prefix}/${key}` : key;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return retrying(this.label, `reading ${key}`, this.o.policy, async () => {
      try {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }),
        );
        const bytes = await out.Body!.transformToByteArray();
        return Buffer.from(bytes);
      } catch (err) {
        if ((err as AwsError).name === "NoSuchKey" || status(err) === 404) {
          if ((err as AwsError).name === "NoSuchBucket") classify(err);
          return undefined;
        }
        return classify(err);
      }
    });
  }

  async put(key: string, body: Buffer, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    return retrying(this.label, `writing ${key}`, this.o.policy, async () => {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.o.bucket,
            Key: this.key(key),
            Body: body,
            ...(opts.ifAbsent ? { IfNoneMatch: "*" } : {}),
          }),
        );
        return true;
      } catch (err) {
        if (opts.ifAbsent && (status(err) === 412 || (err as AwsError).name === "PreconditionFailed"))
          return false;
        return classify(err);
      }
    });
  }

  async listDirs(prefix: string): Promise<string[]> {
    const base = `${this.key(prefix)}/`;
    return retrying(this.label, `listing ${prefix}/`, this.o.policy, async () => {
      const names: string[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await this.client.send(
            new ListObjectsV2Command({
              Bucket: this.o.bucket,
              Prefix: base,
              Delimiter: "/",
              ContinuationToken: token,
            }),
          );
          for (const p of out.CommonPrefixes ?? [])
            if (p.Prefix) names.push(p.Prefix.slice(base.length).replace(/\/$/, ""));
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        return classify(err);
      }
      return names.sort();
    });
  }
}
