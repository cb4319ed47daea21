// The registry client of `bake --check` against Debian's docker-registry 2.8 on loopback (no auth and
// htpasswd Basic), and against a Bearer-token front: docker-registry can only issue tokens with a JWT-signing
// token server, so a small in-test proxy plays that part (scope, token expiry, no Authorization to a redirect
// on another host) and forwards to the real registry.
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server } from "node:http";
import { after, before, test } from "node:test";
import { InfraError, UserError } from "../../src/errors.js";
import { RegistryClient, parseChallenge, parseRepoRef } from "../../src/bake/registry.js";
import { checkFixedRevisions, isDynamicRevision } from "../../src/bake/jars.js";
import { imageSkip, pushTinyImage, startRegistry, type Registry } from "./tools.js";

test("repository references must name a registry host and a lower-case repository", () => {
  assert.deepEqual(parseRepoRef("127.0.0.1:5000/etl/visits-etl"), {
    registry: "127.0.0.1:5000",
    repository: "etl/visits-etl",
  });
  assert.deepEqual(parseRepoRef("registry.example.com/visits").registry, "registry.example.com");
  for (const bad of [
    "visits-etl",
    "etl/visits",
    "127.0.0.1:5000/Visits",
    "127.0.0.1:5000/",
    "127.0.0.1:5000/a:tag",
  ]) {
    assert.throws(() => parseRepoRef(bad), UserError, bad);
  }
});

test("WWW-Authenticate challenges are parsed with quoted and bare values", () => {
  assert.deepEqual(
    parseChallenge('Bearer realm="http://a/token",service="reg",scope="repository:x/y:pull"'),
    {
      scheme: "bearer",
      params: { realm: "http://a/token", service: "reg", scope: "repository:x/y:pull" },
    },
  );
  assert.deepEqual(parseChallenge('Basic realm="sparklane-test"'), {
    scheme: "basic",
    params: { realm: "sparklane-test" },
  });
});

test("dynamic JAR revisions are refused, fixed ones pass", () => {
  for (const r of ["latest.release", "latest.integration", "1.+", "[1.0,2.0)", "]1.0,2.0]", "(,1.5]"]) {
    assert.equal(isDynamicRevision(r), true, r);
    assert.throws(() => checkFixedRevisions([`g:a:${r}`], "spark.jars.packages"), /dynamic revision/);
  }
  assert.doesNotThrow(() => checkFixedRevisions(["org.apache.spark:spark-avro_2.13:4.0.1"], "x"));
  assert.throws(
    () => checkFixedRevisions(["org.apache.spark:spark-avro_2.13"], "x"),
    /not group:artifact:version/,
  );
});

test("an unreachable registry is infrastructure (exit 3)", async () => {
  const client = new RegistryClient(parseRepoRef("127.0.0.1:1/etl/visits"));
  await assert.rejects(
    client.manifestDigest("x"),
    (e: unknown) => e instanceof InfraError && /unreachable/.test((e as Error).message),
  );
});

let open: Registry | undefined;
let locked: Registry | undefined;
before(async () => {
  if (imageSkip) return;
  open = await startRegistry();
  locked = await startRegistry({ user: "bob", password: "s3cret" });
  pushTinyImage(`${open.host}/etl/tiny:present`, { "io.sparklane.fingerprint": "present" });
  pushTinyImage(`${locked.host}/etl/tiny:present`, { "io.sparklane.fingerprint": "present" }, "bob:s3cret");
});
after(async () => {
  await open?.stop();
  await locked?.stop();
});

test(
  "HEAD by tag finds an OCI manifest only because OCI types are in Accept",
  { skip: imageSkip },
  async () => {
    const client = new RegistryClient(parseRepoRef(`${open!.host}/etl/tiny`));
    const digest = await client.manifestDigest("present");
    assert.match(digest ?? "", /^sha256:[0-9a-f]{64}$/);
    assert.equal(await client.manifestDigest("absent"), undefined);
    assert.equal(
      await new RegistryClient(parseRepoRef(`${open!.host}/etl/nothing`)).manifestDigest("x"),
      undefined,
    );
    assert.deepEqual((await client.labels(digest!))["io.sparklane.fingerprint"], "present");
    // The pitfall the Accept header avoids: a Docker-only Accept gets a 404 for the same tag.
    const res = await fetch(`http://${open!.host}/v2/etl/tiny/manifests/present`, {
      method: "HEAD",
      headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    assert.equal(res.status, 404);
  },
);

test(
  "htpasswd: no credentials is refused (exit 3), Basic credentials work",
  { skip: imageSkip },
  async () => {
    const ref = parseRepoRef(`${locked!.host}/etl/tiny`);
    await assert.rejects(new RegistryClient(ref).manifestDigest("present"), /requires credentials/);
    await assert.rejects(
      new RegistryClient(ref, { credentials: { username: "bob", password: "wrong" } }).manifestDigest(
        "present",
      ),
      /refused the credentials/,
    );
    const client = new RegistryClient(ref, { credentials: { username: "bob", password: "s3cret" } });
    assert.match((await client.manifestDigest("present")) ?? "", /^sha256:/);
    assert.equal(await client.manifestDigest("absent"), undefined);
    assert.equal((await client.labels("present"))["io.sparklane.fingerprint"], "present");
  },
);

/** A Bearer-token front for the open registry: /token checks Basic credentials and the scope. */
async function bearerFront(
  target: string,
): Promise<{ host: string; server: Server; scopes: string[]; leaked: string[] }> {
  const scopes: string[] = [];
  const leaked: string[] = [];
  const other = createServer((req, res) => {
    // The "other host" a redirect points at: it must never see Authorization.
    if (req.headers.authorization) leaked.push(req.headers.authorization);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
  const otherPort = (other.address() as { port: number }).port;
  const server = createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    if (url.pathname === "/token") {
      if (req.headers.authorization !== `Basic ${Buffer.from("bob:s3cret").toString("base64")}`) {
        res.writeHead(401).end();
        return;
      }
      scopes.push(url.searchParams.get("scope") ?? "");
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token: "t0k", expires_in: 60 }));
      return;
    }
    if (req.headers.authorization !== "Bearer t0k") {
      const port = (server.address() as { port: number }).port;
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:etl/tiny:pull"`,
        })
        .end();
      return;
    }
    if (url.pathname.endsWith("/manifests/moved")) {
      res.writeHead(307, { location: `http://127.0.0.1:${otherPort}/elsewhere` }).end();
      return;
    }
    const proxied = httpRequest(
      `http://${target}${req.url}`,
      { method: req.method, headers: { accept: req.headers.accept ?? "*/*" } },
      (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      },
    );
    proxied.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.on("close", () => other.close());
  return { host: `127.0.0.1:${(server.address() as { port: number }).port}`, server, scopes, leaked };
}

test(
  "Bearer: the token endpoint is asked with the scope, and Authorization never follows a redirect to another host",
  { skip: imageSkip },
  async () => {
    const front = await bearerFront(open!.host);
    try {
      const ref = parseRepoRef(`${front.host}/etl/tiny`);
      await assert.rejects(new RegistryClient(ref).manifestDigest("present"), /token endpoint refused/);
      const client = new RegistryClient(ref, { credentials: { username: "bob", password: "s3cret" } });
      assert.match((await client.manifestDigest("present")) ?? "", /^sha256:/);
      assert.equal(await client.manifestDigest("absent"), undefined);
      assert.deepEqual(front.scopes, ["repository:etl/tiny:pull"]);
      assert.equal(await client.manifestDigest("moved"), undefined);
      assert.deepEqual(front.leaked, []);
    } finally {
      front.server.close();
    }
  },
);

test("JAR post-processing (run with python3 as inside the image): drops what Spark ships, fails on two versions, lists sha256", async () => {
  const {
    mkdtempSync,
    mkdirSync,
    writeFileSync: write,
    readFileSync,
    existsSync,
    rmSync,
  } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { spawnSync } = await import("node:child_process");
  const { createHash } = await import("node:crypto");
  const { POST_PROCESS_PY, parseJarList } = await import("../../src/bake/jars.js");
  const dir = mkdtempSync(join(tmpdir(), "sparklane-jars-"));
  try {
    const retrieved = join(dir, "retrieved");
    const spark = join(dir, "spark-jars");
    mkdirSync(retrieved);
    mkdirSync(spark);
    write(join(dir, "post.py"), POST_PROCESS_PY);
    write(join(spark, "jackson-databind-2.18.2.jar"), "spark's");
    write(join(spark, "spark-core_2.13-4.0.1.jar"), "core");
    write(join(retrieved, "com.fasterxml.jackson.core_jackson-databind-2.15.0.jar"), "older");
    write(join(retrieved, "org.apache.spark_spark-avro_2.13-4.0.1.jar"), "avro");
    write(join(retrieved, "org.tukaani_xz-1.10.jar"), "xz");
    const run = () =>
      spawnSync("python3", [join(dir, "post.py"), retrieved, spark, join(spark, ".sparklane-jars.txt")], {
        encoding: "utf8",
      });
    let r = run();
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /dropped com\.fasterxml\.jackson\.core_jackson-databind-2\.15\.0\.jar \(Spark ships jackson-databind\)/,
    );
    assert.equal(readFileSync(join(spark, "jackson-databind-2.18.2.jar"), "utf8"), "spark's");
    assert.equal(existsSync(join(spark, "com.fasterxml.jackson.core_jackson-databind-2.15.0.jar")), false);
    const list = parseJarList(readFileSync(join(spark, ".sparklane-jars.txt"), "utf8"));
    assert.deepEqual(
      list.map((l) => l.coordinates),
      ["org.apache.spark:spark-avro_2.13:4.0.1", "org.tukaani:xz:1.10"],
    );
    assert.equal(list[0]!.sha256, createHash("sha256").update("avro").digest("hex"));
    assert.equal(readFileSync(join(spark, "org.tukaani_xz-1.10.jar"), "utf8"), "xz");

    write(join(retrieved, "org.tukaani_xz-1.9.jar"), "xz old");
    r = run();
    assert.notEqual(r.status, 0);
    assert.match(
      r.stdout,
      /^sparklane-bake: two versions of one artifact after Ivy resolution: org\.tukaani:xz \(1\.10, 1\.9\)/m,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
