// A local endpoint speaking CodeArtifact's REST-JSON protocol for the two calls the provider makes
// (moto has no CodeArtifact). The real AWS SDK talks to it through a custom endpoint.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface CaRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  signed: boolean;
}

export interface CaServer {
  url: string;
  requests: CaRequest[];
  token: string;
  expiration: number;
  repositoryEndpoint: string;
  /** Answers the next requests with these errors (status, AWS error type) before succeeding again. */
  failNext: { status: number; type: string; message: string }[];
  close(): Promise<void>;
}

export async function startCodeArtifactServer(init: {
  token: string;
  expiration: number;
  repositoryEndpoint: string;
}): Promise<CaServer> {
  const state: CaServer = { url: "", requests: [], failNext: [], ...init, close: async () => {} };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://x");
      state.requests.push({
        method: req.method ?? "",
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        signed: /^AWS4-HMAC-SHA256 Credential=AKIDTEST\//.test(String(req.headers.authorization ?? "")),
      });
      const fail = state.failNext.shift();
      const send = (status: number, body: object, type?: string) => {
        res.writeHead(status, {
          "content-type": "application/json",
          ...(type ? { "x-amzn-errortype": type } : {}),
        });
        res.end(JSON.stringify(body));
      };
      if (fail) return send(fail.status, { message: fail.message }, fail.type);
      if (req.method === "POST" && u.pathname === "/v1/authorization-token") {
        return send(200, { authorizationToken: state.token, expiration: state.expiration });
      }
      if (req.method === "GET" && u.pathname === "/v1/repository/endpoint") {
        return send(200, { repositoryEndpoint: state.repositoryEndpoint });
      }
      send(404, { message: `no route ${req.method} ${u.pathname}` }, "ResourceNotFoundException");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

/** Static test credentials for the SDK's default chain; nothing reaches AWS. */
export const awsTestEnv = {
  AWS_ACCESS_KEY_ID: "AKIDTEST",
  AWS_SECRET_ACCESS_KEY: "secret-test",
  AWS_SESSION_TOKEN: "",
  AWS_PROFILE: "",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};
