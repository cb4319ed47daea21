// ivysettings.xml rendering, token checks and redaction. Well-formedness is judged by Python's XML
// parser (a real, independent one), not by string matching.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { renderIvySettings, type IvySettingsSpec } from "../../src/ivy/settings.js";
import { checkToken, parseTokenOutput, redactSecrets, redactUrl } from "../../src/ivy/token.js";
import { InfraError } from "../../src/errors.js";

const spec: IvySettingsSpec = {
  cacheDir: "/ivy-cache",
  publicRepos: [{ name: "confluent", url: "https://packages.example.org/maven/" }],
  privateRepos: [
    {
      name: "codeartifact",
      url: "https://dom-111122223333.d.codeartifact.eu-west-1.amazonaws.com/maven/jars/",
      realm: "dom/jars",
      username: "aws",
    },
    {
      name: "second",
      url: "https://dom-111122223333.d.codeartifact.eu-west-1.amazonaws.com/maven/more/",
      realm: "dom/jars",
      username: "aws",
    },
  ],
  token: "eyJ.tok-1",
};

/** Parses with Python's minidom and returns what Ivy would read: element names and attributes, in order. */
function parseXml(xml: string): { tag: string; attrs: Record<string, string> }[] {
  const py = `
import sys, json, xml.dom.minidom as m
d = m.parseString(sys.stdin.buffer.read())
assert d.doctype is None, "doctype"
out = []
def walk(n):
    for c in n.childNodes:
        if c.nodeType == c.ELEMENT_NODE:
            out.append({"tag": c.tagName, "attrs": dict(c.attributes.items())})
            walk(c)
walk(d)
print(json.dumps(out))`;
  const r = spawnSync("python3", ["-c", py], { input: xml, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`not well formed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { tag: string; attrs: Record<string, string> }[];
}

test("the chain puts Maven Central (Ivy's built-in root) first, then public extras, then private repositories", () => {
  const els = parseXml(renderIvySettings(spec));
  assert.deepEqual(
    els.map((e) => e.tag),
    [
      "ivysettings",
      "settings",
      "credentials",
      "caches",
      "resolvers",
      "chain",
      "ibiblio",
      "ibiblio",
      "ibiblio",
      "ibiblio",
    ],
  );
  assert.equal(els[1]!.attrs.defaultResolver, "chain");
  assert.deepEqual(els[5]!.attrs, { name: "chain", returnFirst: "true" });
  const resolvers = els.filter((e) => e.tag === "ibiblio");
  assert.deepEqual(
    resolvers.map((r) => r.attrs.name),
    ["central", "confluent", "codeartifact", "second"],
  );
  assert.equal(resolvers[0]!.attrs.root, undefined, "central uses Ivy's default root");
  assert.ok(resolvers.every((r) => r.attrs.m2compatible === "true"));
  assert.deepEqual(els[3]!.attrs, { defaultCacheDir: "/ivy-cache" });
});

test("one <credentials> per realm and host, keyed on the host name without port or path", () => {
  const creds = parseXml(renderIvySettings(spec)).filter((e) => e.tag === "credentials");
  assert.deepEqual(creds, [
    {
      tag: "credentials",
      attrs: {
        host: "dom-111122223333.d.codeartifact.eu-west-1.amazonaws.com",
        realm: "dom/jars",
        username: "aws",
        passwd: "eyJ.tok-1",
      },
    },
  ]);
  const withPort = parseXml(
    renderIvySettings({
      ...spec,
      privateRepos: [{ name: "p", url: "http://127.0.0.1:8081/m/", realm: "r", username: "u" }],
    }),
  );
  assert.equal(withPort.find((e) => e.tag === "credentials")!.attrs.host, "127.0.0.1");
});

test("every value is XML-escaped: hostile realm, user, token, cache dir and URL round-trip exactly", () => {
  const nasty = `a&b<c>"d'e`;
  const xml = renderIvySettings({
    ...spec,
    cacheDir: `/tmp/${nasty}`,
    publicRepos: [{ name: "x", url: `https://h.example/p?q=${nasty}` }],
    privateRepos: [{ name: "p", url: "https://h.example/m/", realm: `realm ${nasty}`, username: nasty }],
    token: checkToken("test", `tok${nasty}`).value,
  });
  assert.doesNotMatch(xml, /DOCTYPE|ENTITY/);
  const els = parseXml(xml);
  const creds = els.find((e) => e.tag === "credentials")!.attrs;
  assert.equal(creds.passwd, `tok${nasty}`);
  assert.equal(creds.realm, `realm ${nasty}`);
  assert.equal(creds.username, nasty);
  assert.equal(els.find((e) => e.tag === "caches")!.attrs.defaultCacheDir, `/tmp/${nasty}`);
  assert.equal(els.find((e) => e.attrs.name === "x")!.attrs.root, `https://h.example/p?q=${nasty}`);
});

test("nothing weakens checksums or metadata checks", () => {
  const xml = renderIvySettings(spec);
  assert.doesNotMatch(xml, /checksums|allownomd|checkconsistency|descriptor="optional"|property/i);
});

test("--private-first and --no-central change only the chain order", () => {
  const names = (s: IvySettingsSpec) =>
    parseXml(renderIvySettings(s))
      .filter((e) => e.tag === "ibiblio")
      .map((e) => e.attrs.name);
  assert.deepEqual(names({ ...spec, privateFirst: true }), [
    "codeartifact",
    "second",
    "central",
    "confluent",
  ]);
  assert.deepEqual(names({ ...spec, centralRoot: false }), ["confluent", "codeartifact", "second"]);
  const mirror = parseXml(renderIvySettings({ ...spec, centralRoot: "https://mirror.example/maven2/" }));
  assert.equal(mirror.find((e) => e.attrs.name === "central")!.attrs.root, "https://mirror.example/maven2/");
});

test("the same spec renders the same bytes (an unchanged token writes nothing)", () => {
  assert.equal(renderIvySettings(spec), renderIvySettings({ ...spec }));
  assert.notEqual(renderIvySettings(spec), renderIvySettings({ ...spec, token: "eyJ.tok-2" }));
});

test("unusable tokens are refused without quoting them", () => {
  const canary = "CANARY-9f3e";
  for (const [value, why] of [
    ["", /empty/],
    [`${canary} with space`, /whitespace/],
    [`${canary}\n<html>`, /whitespace/],
    [`${canary}\${ivy.home}`, /substitute/],
    [`${canary}é`, /non-ASCII/],
    ["x".repeat(20_000), /characters long/],
  ] as const) {
    assert.throws(
      () => checkToken("exec", value),
      (e: Error) =>
        e instanceof InfraError &&
        why.test(e.message) &&
        !e.message.includes(canary) &&
        !e.message.includes("xxxx"),
    );
  }
});

test("provider output: bare token, JSON with token/authorizationToken and ISO or epoch expiration", () => {
  assert.deepEqual(parseTokenOutput("exec", "  tok-1\n"), { value: "tok-1" });
  const iso = parseTokenOutput("exec", '{"token":"tok-2","expiration":"2026-03-15T12:00:00Z"}');
  assert.equal(iso.expiresAt?.toISOString(), "2026-03-15T12:00:00.000Z");
  const aws = parseTokenOutput("exec", '{"authorizationToken":"tok-3","expiration":1773576000}');
  assert.equal(aws.value, "tok-3");
  assert.equal(aws.expiresAt?.toISOString(), "2026-03-15T12:00:00.000Z");
  assert.throws(
    () => parseTokenOutput("exec", '{"token": CANARY'),
    (e: Error) => /not valid JSON/.test(e.message) && !e.message.includes("CANARY"),
  );
  assert.throws(
    () => parseTokenOutput("exec", '{"tok":"CANARY"}'),
    (e: Error) => /without a string "token"/.test(e.message) && !e.message.includes("CANARY"),
  );
  assert.throws(
    () => parseTokenOutput("exec", '{"token":"CANARY","expiration":"soon"}'),
    (e: Error) => /expiration/.test(e.message) && !e.message.includes("CANARY"),
  );
});

test("URLs lose their whole userinfo; secrets are cut out of foreign text", () => {
  assert.equal(redactUrl("https://aws:CANARY@h.example/maven/"), "https://***@h.example/maven/");
  assert.equal(redactUrl("https://CANARY@h.example/maven/"), "https://***@h.example/maven/");
  assert.equal(redactUrl("https://h.example/maven/"), "https://h.example/maven/");
  assert.equal(redactUrl("not a url //CANARY@host/x"), "not a url //***@host/x");
  assert.equal(
    redactSecrets("error: token CANARY-1 refused (CANARY-1)", ["CANARY-1"]),
    "error: token *** refused (***)",
  );
});
