// The codeartifact provider through the real AWS SDK against a local REST-JSON endpoint, alone and
// end to end through the CLI (endpoint lookup, realm discovery, file written).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeArtifactProvider } from "../../src/ivy/providers/codeartifact.js";
import { InfraError } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";
import { awsTestEnv, startCodeArtifactServer, type CaServer } from "./codeartifact-server.js";
import { startMavenServer, type MavenServer } from "./maven-server.js";

const EXP = Date.parse("2026-03-15T12:00:00Z") / 1000;
const CANARY = "CANARY-ca-5e1b.eyJ2ZXIiOjF9";
let ca: CaServer;
let maven: MavenServer;
let tmp: string;
const saved: Record<string, string | undefined> = {};

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "sparklane-ca-"));
  maven = await startMavenServer({
    token: CANARY,
    realm: "my-domain/jars",
    coordinate: { group: "g", artifact: "a", version: "1" },
  });
  ca = await startCodeArtifactServer({ token: CANARY, expiration: EXP, repositoryEndpoint: maven.url });
  for (const [k, v] of Object.entries(awsTestEnv)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await ca?.close();
  await maven?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const opts = () => ({
  domain: "my-domain",
  domainOwner: "111122223333",
  repository: "jars",
  region: "eu-west-1",
  endpoint: ca.url,
});

test("GetAuthorizationToken: signed POST with domain, owner and duration; token and expiry come back", async () => {
  ca.requests.length = 0;
  const p = codeArtifactProvider({ ...opts(), durationSeconds: 3600 });
  const t = await p.fetch(new AbortController().signal);
  assert.equal(t.value, CANARY);
  assert.equal(t.expiresAt?.toISOString(), "2026-03-15T12:00:00.000Z");
  assert.deepEqual(ca.requests, [
    {
      method: "POST",
      path: "/v1/authorization-token",
      query: { domain: "my-domain", "domain-owner": "111122223333", duration: "3600" },
      signed: true,
    },
  ]);
});

test("GetRepositoryEndpoint: asked once for the maven format, then cached", async () => {
  ca.requests.length = 0;
  const p = codeArtifactProvider(opts());
  assert.equal(await p.repositoryUrl!(new AbortController().signal), maven.url);
  assert.equal(await p.repositoryUrl!(new AbortController().signal), maven.url);
  assert.deepEqual(
    ca.requests.map((r) => [r.method, r.path, r.query]),
    [
      [
        "GET",
        "/v1/repository/endpoint",
        { domain: "my-domain", "domain-owner": "111122223333", repository: "jars", format: "maven" },
      ],
    ],
  );
});

test("AccessDenied becomes an InfraError naming the call, the status and the IAM actions to check", async () => {
  ca.failNext.push({
    status: 403,
    type: "AccessDeniedException",
    message: "User is not authorized to perform codeartifact:GetAuthorizationToken",
  });
  const p = codeArtifactProvider(opts());
  await assert.rejects(p.fetch(new AbortController().signal), (e: Error) => {
    assert.ok(e instanceof InfraError);
    assert.match(
      e.message,
      /CodeArtifact GetAuthorizationToken failed \(HTTP 403\): AccessDeniedException: User is not authorized/,
    );
    assert.match(e.hint ?? "", /sts:GetServiceBearerToken/);
    return true;
  });
});

test("one throttled answer is retried by the SDK once, not more (the refresher owns backoff)", async () => {
  ca.requests.length = 0;
  ca.failNext.push({ status: 429, type: "ThrottlingException", message: "Rate exceeded" });
  const t = await codeArtifactProvider(opts()).fetch(new AbortController().signal);
  assert.equal(t.value, CANARY);
  assert.equal(ca.requests.length, 2);
  ca.requests.length = 0;
  ca.failNext.push(...Array(3).fill({ status: 429, type: "ThrottlingException", message: "Rate exceeded" }));
  await assert.rejects(
    codeArtifactProvider(opts()).fetch(new AbortController().signal),
    /ThrottlingException/,
  );
  assert.equal(ca.requests.length, 2);
  ca.failNext.length = 0;
});

test("CLI one-shot: endpoint from GetRepositoryEndpoint, realm from the registry's challenge, token only in the file", async () => {
  const out = join(tmp, "ivysettings.xml");
  const r = await runCli(
    [
      "ivy-settings",
      "--provider",
      "codeartifact",
      "--domain",
      "my-domain",
      "--domain-owner",
      "111122223333",
      "--repository",
      "jars",
      "--region",
      "eu-west-1",
      "--endpoint-url",
      ca.url,
      "--out",
      out,
    ],
    { env: awsTestEnv },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `wrote ${out} (codeartifact ${maven.url}; token expires 2026-03-15T12:00:00.000Z)\n`,
  );
  const xml = readFileSync(out, "utf8");
  assert.match(
    xml,
    new RegExp(`<credentials host="127.0.0.1" realm="my-domain/jars" username="aws" passwd="${CANARY}"/>`),
  );
  assert.match(xml, new RegExp(`<ibiblio name="codeartifact" m2compatible="true" root="${maven.url}"/>`));
  assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));
  // The SDK's 8-line notice about the Node version is not sparklane's business to print (issue 10).
  assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
});
