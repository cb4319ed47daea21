// A tiny Maven-layout repository over HTTP with basic auth, for real Ivy resolution in tests. It serves
// one artifact (jar, pom and their .sha1 files) and accepts exactly one token at a time, so rotation
// can be tested: after `rotate()`, the old token gets 401 like an expired CodeArtifact token would.
import { createServer, type Server } from "node:http";
import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import type { AddressInfo } from "node:net";

export interface MavenServer {
  url: string;
  host: string;
  port: number;
  realm: string;
  requests: { path: string; status: number }[];
  rotate(token: string): void;
  close(): Promise<void>;
}

export interface Coordinate {
  group: string;
  artifact: string;
  version: string;
}

export async function startMavenServer(opts: {
  token: string;
  username?: string;
  realm?: string;
  coordinate: Coordinate;
}): Promise<MavenServer> {
  let token = opts.token;
  const username = opts.username ?? "aws";
  const realm = opts.realm ?? "sparklane-test/private";
  const { group, artifact, version } = opts.coordinate;
  const base = `/maven/private/${group.replaceAll(".", "/")}/${artifact}/${version}/${artifact}-${version}`;
  const files = new Map<string, Buffer>();
  files.set(`${base}.jar`, tinyJar(`${group}:${artifact}:${version}`));
  files.set(`${base}.pom`, Buffer.from(pom(opts.coordinate)));
  for (const [p, body] of [...files])
    files.set(`${p}.sha1`, Buffer.from(createHash("sha1").update(body).digest("hex")));
  const requests: { path: string; status: number }[] = [];

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const expected = `Basic ${Buffer.from(`${username}:${token}`).toString("base64")}`;
    let status: number;
    if (req.headers.authorization !== expected) {
      status = 401;
      res.writeHead(401, { "www-authenticate": `Basic realm="${realm}"`, "content-length": "0" });
      res.end();
    } else if (files.has(path)) {
      status = 200;
      const body = files.get(path)!;
      res.writeHead(200, { "content-length": String(body.length) });
      res.end(req.method === "HEAD" ? undefined : body);
    } else {
      status = 404;
      res.writeHead(404, { "content-length": "0" });
      res.end();
    }
    requests.push({ path, status });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/maven/private/`,
    host: "127.0.0.1",
    port,
    realm,
    requests,
    rotate(next: string) {
      token = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pom({ group, artifact, version }: Coordinate): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>${group}</groupId>
  <artifactId>${artifact}</artifactId>
  <version>${version}</version>
  <packaging>jar</packaging>
</project>
`;
}

// A valid one-entry zip written by hand, so the test needs no `jar` tool.
export function tinyJar(content: string): Buffer {
  const name = Buffer.from("META-INF/MANIFEST.MF");
  const data = Buffer.from(`Manifest-Version: 1.0\nCreated-By: sparklane-test ${content}\n\n`);
  const deflated = deflateRawSync(data);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 10);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(0, 12);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 30);
  central.writeUInt32LE(0, 34);
  central.writeUInt32LE(0, 38);
  central.writeUInt32LE(0, 42);
  const localPart = Buffer.concat([local, name, deflated]);
  const centralPart = Buffer.concat([central, name]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
