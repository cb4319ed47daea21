// A deterministic tar writer built on node-tar's header encoder. node-tar's Pack reads modes, owners and
// times from the file system; packaging needs the same bytes from the same inputs on any machine, so the
// headers are built here from normalised values (owner 0, fixed mtime, 0644/0755) and encoded by node-tar.
import { gzipSync } from "node:zlib";
import { Header, Pax } from "tar";
import type { EntryTypeName } from "tar/types";

export interface TarEntry {
  readonly path: string;
  readonly type: EntryTypeName;
  readonly mode?: number;
  readonly body?: Buffer;
  readonly linkpath?: string;
  readonly devmaj?: number;
  readonly devmin?: number;
}

const EPOCH = new Date(0);

function headerBlocks(e: TarEntry): Buffer[] {
  const size = e.type === "File" || e.type === "OldFile" ? (e.body?.length ?? 0) : 0;
  const data = {
    path: e.path,
    mode: e.mode ?? (e.type === "Directory" ? 0o755 : 0o644),
    uid: 0,
    gid: 0,
    size,
    mtime: EPOCH,
    type: e.type,
    linkpath: e.linkpath ?? "",
    uname: "",
    gname: "",
    devmaj: e.devmaj ?? 0,
    devmin: e.devmin ?? 0,
  };
  const header = new Header(data);
  const block = Buffer.alloc(512);
  const needPax = header.encode(block);
  // Long paths (over 100/255 bytes) go into a PAX extended header, as node-tar's own Pack does.
  return needPax ? [new Pax({ path: e.path, linkpath: e.linkpath, mtime: EPOCH }).encode(), block] : [block];
}

/** Uncompressed tar bytes for `entries`, in the order given. */
export function tarBytes(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(...headerBlocks(e));
    const body = e.type === "File" || e.type === "OldFile" ? e.body : undefined;
    if (body && body.length > 0) {
      parts.push(body);
      const pad = (512 - (body.length % 512)) % 512;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** gzip with a zero mtime in the gzip header, so equal input gives equal bytes. */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarBytes(entries), { level: 9 });
}
