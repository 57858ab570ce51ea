// Proves webpubsub-local's upstream event handlers with Microsoft's own handler middleware,
// @azure/web-pubsub-express, as the app: it answers the abuse-protection handshake (for the
// service's endpoint only, through `allowedEndpoints`), authenticates clients in `connect`
// (query `user`/`pass`; sets userId, groups and connection state), answers user events, and
// sees `connected`/`disconnected`. A recorder in front of it checks every request's
// `ce-signature` against the access key. Clients are Microsoft's @azure/web-pubsub-client and a
// plain `ws` socket; the server SDK @azure/web-pubsub sends to the groups `connect` set.
//
// Protocol with the runner (webpubsub-local/tests/sdk_interop.rs): the script starts the app and
// prints `UPSTREAM http://127.0.0.1:PORT/eventhandler`; the runner starts the service with that
// handler for hub `expresshub` (all user events; connect, connected, disconnected) and writes
// the connection string as one line to stdin. Output as interop.mjs: `ok`/`FAIL` per group,
// then `N passed, M failed`; exit status non-zero when anything failed.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createInterface } from "node:readline";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import express from "express";
import { WebPubSubEventHandler } from "@azure/web-pubsub-express";
import { WebPubSubServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import WebSocket from "ws";

const HUB = "expresshub";
const PATH = "/eventhandler";
const WAIT_MS = 10_000;
const GROUP_MS = 60_000;
const PASSWORD = "letmein";

// What the app saw, in order.
const seen = { options: [], posts: [], badSignatures: [], connected: [], disconnected: [] };
let accessKey = "";

function signatureOk(req) {
  const id = req.headers["ce-connectionid"] ?? "";
  const expected = `sha256=${createHmac("sha256", accessKey).update(id).digest("hex")}`;
  return (req.headers["ce-signature"] ?? "").split(",").map((s) => s.trim()).includes(expected);
}

const handler = (endpoint) =>
  new WebPubSubEventHandler(HUB, {
    path: PATH,
    allowedEndpoints: [endpoint],
    handleConnect(req, res) {
      const user = req.queries?.user?.[0];
      const pass = req.queries?.pass?.[0];
      if (!user || pass !== PASSWORD) {
        res.fail(401, "wrong user or password");
        return;
      }
      if (user === "banned") {
        res.fail(403, "banned");
        return;
      }
      res.setState("greeting", `hello ${user}`);
      res.success({ userId: user, groups: ["express-room"] });
    },
    handleUserEvent(req, res) {
      if (req.data === "explode") {
        res.fail(500, "exploded on purpose");
        return;
      }
      const greeting = req.context.states?.greeting ?? "no state";
      const data = req.dataType === "binary" ? Buffer.from(req.data).toString("hex") : req.data;
      const text = typeof data === "string" ? data : JSON.stringify(data);
      res.success(`${req.context.eventName}:${text}:${greeting}:${req.context.userId}`, "text");
    },
    onConnected(req) {
      seen.connected.push({ id: req.context.connectionId, user: req.context.userId });
    },
    onDisconnected(req) {
      seen.disconnected.push({ id: req.context.connectionId, user: req.context.userId });
    },
  });

let passed = 0;
let failed = 0;
let cleanups = [];

async function group(name, fn) {
  let timer;
  const started = Date.now();
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`group timed out after ${GROUP_MS} ms`)), GROUP_MS);
      }),
    ]);
    passed += 1;
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}\n     ${String(err?.stack ?? err).split("\n").join("\n     ")}`);
  } finally {
    clearTimeout(timer);
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch {
        // An already-closed client may throw on teardown; nothing to check there.
      }
    }
    cleanups = [];
  }
}

async function waitFor(predicate, what) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
}

// The app, on an ephemeral port; the endpoint it allows is known only once the service runs,
// so the handler is installed after the connection string arrives.
const app = express();
let eventHandler = (_req, _res, next) => next();
app.use((req, _res, next) => {
  if (req.method === "OPTIONS") seen.options.push({ origin: req.headers["webhook-request-origin"] });
  if (req.method === "POST") {
    seen.posts.push(req.headers["ce-type"]);
    if (!signatureOk(req)) seen.badSignatures.push(req.headers["ce-type"]);
  }
  next();
});
app.use((req, res, next) => eventHandler(req, res, next));
const server = await new Promise((resolve) => {
  const s = app.listen(0, "127.0.0.1", () => resolve(s));
});
console.log(`UPSTREAM http://127.0.0.1:${server.address().port}${PATH}`);

const lines = createInterface({ input: process.stdin });
const connectionString = await new Promise((resolve) => lines.once("line", resolve));
lines.close();
accessKey = /AccessKey=([^;]+)/i.exec(connectionString)?.[1] ?? "";
const host = /Endpoint=http:\/\/([^;]+)/i.exec(connectionString)?.[1];
const port = /Port=(\d+)/i.exec(connectionString)?.[1];
const endpoint = `http://${host}:${port}`;
eventHandler = handler(endpoint).getMiddleware();
const svc = new WebPubSubServiceClient(connectionString, HUB, {
  allowInsecureConnection: true,
  retryOptions: { maxRetries: 0 },
});

async function clientUrl(user, pass = PASSWORD) {
  const { url } = await svc.getClientAccessToken();
  return `${url}&user=${encodeURIComponent(user)}&pass=${encodeURIComponent(pass)}`;
}

async function refusedWith(url) {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode));
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the connection was accepted"));
    });
    ws.once("error", () => {});
  });
}

await group("express: connect authenticates (userId, groups, state) for the SDK client", async () => {
  const client = new WebPubSubClient(await clientUrl("ann"), { messageRetryOptions: { maxRetries: 0 } });
  const got = [];
  const connected = [];
  client.on("connected", (e) => connected.push(e));
  client.on("group-message", (e) => got.push(`${e.message.group}:${e.message.data}`));
  client.on("server-message", (e) => got.push(`server:${e.message.data}`));
  cleanups.push(() => client.stop());
  await client.start();
  await waitFor(() => connected.length === 1, "the connected event");
  assert.equal(connected[0].userId, "ann", "userId set by handleConnect");
  // The handshake came first, from the service's own origin, and was allowed by the middleware.
  assert.ok(seen.options.length >= 1, "an OPTIONS handshake reached the app");
  assert.equal(seen.options[0].origin, `${host}:${port}`);
  assert.equal(seen.posts[0], "azure.webpubsub.sys.connect");
  // The group set by handleConnect receives.
  await svc.group("express-room").sendToAll("to the room", { contentType: "text/plain" });
  await waitFor(() => got.includes("express-room:to the room"), () => `the room message, got ${got}`);
  await waitFor(() => seen.connected.some((c) => c.id === connected[0].connectionId && c.user === "ann"), "onConnected");
});

await group("express: a user event is answered back to the SDK client with the connection state", async () => {
  const client = new WebPubSubClient(await clientUrl("bea"), { messageRetryOptions: { maxRetries: 0 } });
  const got = [];
  client.on("server-message", (e) => got.push(e.message.data));
  cleanups.push(() => client.stop());
  await client.start();
  const ack = await client.sendEvent("shout", { n: 1 }, "json");
  assert.equal(ack.isDuplicated, false);
  await waitFor(() => got.length === 1, "the event's answer");
  assert.equal(got[0], 'shout:{"n":1}:hello bea:bea');
});

await group("express: a simple client's frames are message events; the answer comes back as a frame", async () => {
  const ws = new WebSocket(await clientUrl("cy"));
  cleanups.push(() => ws.terminate());
  const frames = [];
  ws.on("message", (data, isBinary) => frames.push(isBinary ? `binary:${data.toString("hex")}` : data.toString()));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send("plain text");
  ws.send(Buffer.from([1, 2, 255]));
  await waitFor(() => frames.length === 2, () => `two answers, got ${frames}`);
  assert.deepEqual(frames, ["message:plain text:hello cy:cy", "message:0102ff:hello cy:cy"]);
});

await group("express: a failed user event (res.fail) closes the client's connection", async () => {
  const ws = new WebSocket(await clientUrl("fay"));
  cleanups.push(() => ws.terminate());
  const closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send("explode");
  const { code, reason } = await closed;
  assert.equal(code, 1008);
  assert.match(reason, /upstream event handler failed: the upstream answered 500/);
});

await group("express: connect refusals reach the client as 401 and 403", async () => {
  assert.equal(await refusedWith(await clientUrl("dan", "wrong")), 401);
  assert.equal(await refusedWith(await clientUrl("banned")), 403);
});

await group("express: disconnected reaches onDisconnected after the client stops", async () => {
  const client = new WebPubSubClient(await clientUrl("eve"), { messageRetryOptions: { maxRetries: 0 } });
  const connected = [];
  client.on("connected", (e) => connected.push(e));
  await client.start();
  await waitFor(() => connected.length === 1, "connected");
  const id = connected[0].connectionId;
  client.stop();
  await waitFor(() => seen.disconnected.some((d) => d.id === id && d.user === "eve"), "onDisconnected");
});

// The Python client SDK through the same app, when the runner says which python has it.
if (process.env.INTEROP_PYTHON) {
  await group("express: the Python client SDK authenticates and gets its event answered", async () => {
    const script = fileURLToPath(new URL("../python/upstream_client.py", import.meta.url));
    const url = await clientUrl("py");
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.env.INTEROP_PYTHON, [script, url], { timeout: 60_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`${err.message}\n${errOut}`));
        else resolve(out);
      });
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1));
    assert.equal(result.userId, "py", "userId set by handleConnect");
    assert.equal(result.answer, "shout:from python:hello py:py");
  });
} else {
  console.log("skip express: the Python client SDK (INTEROP_PYTHON not set; not counted as passed)");
}

await group("express: every event carried a valid ce-signature", async () => {
  assert.ok(seen.posts.length >= 8, `events seen: ${seen.posts}`);
  assert.deepEqual(seen.badSignatures, [], "events with a bad signature");
  assert.equal(seen.options.length, 1, "one handshake per handler URL");
});

server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
