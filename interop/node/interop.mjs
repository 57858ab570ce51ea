// Drives a Web PubSub service (webpubsub-local, or any endpoint given by a connection string)
// with Microsoft's own JavaScript SDKs: @azure/web-pubsub (REST, api-version 2024-12-01),
// @azure/web-pubsub-client (json.reliable / json subprotocols) and a plain `ws` client for the
// raw protocol. Each assertion group prints `ok` or `FAIL`; the last line is `N passed, M failed`
// and the exit status is non-zero when anything failed.
//
// Usage: WEBPUBSUB_CONNECTION_STRING='Endpoint=http://127.0.0.1;AccessKey=...;Version=1.0;Port=N;' \
//        node interop/node/interop.mjs

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { WebPubSubServiceClient } from "@azure/web-pubsub";
import {
  SendMessageError,
  WebPubSubClient,
  WebPubSubJsonProtocol,
} from "@azure/web-pubsub-client";
import WebSocket from "ws";

const CONNECTION_STRING = process.env.WEBPUBSUB_CONNECTION_STRING;
if (!CONNECTION_STRING) {
  console.error("WEBPUBSUB_CONNECTION_STRING is not set");
  process.exit(2);
}

/** How long any single wait for a message or state may take before the group fails. */
const WAIT_MS = 10_000;
/** How long one assertion group may take in total. */
const GROUP_MS = 60_000;
/** Text that marks the end of what a receiver should have seen. */
const SENTINEL = "__sentinel__";

let passed = 0;
let failed = 0;
/** Teardown steps of the running group (clients to stop, sockets to close). */
let cleanups = [];
/** Unique suffix so reruns against one long-lived service never share hubs. */
const RUN = Math.random().toString(36).slice(2, 8);

/** A server SDK client for a fresh hub (each group uses its own hub so state never leaks). */
function service(hub, extra = {}) {
  return new WebPubSubServiceClient(CONNECTION_STRING, hub, {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
    ...extra,
  });
}

/**
 * A server client with a connection pool of its own, for requests the service refuses before
 * reading their body: it then closes that keep-alive connection, and a later request that
 * reuses it can fail with a reset.
 */
function isolated(hub) {
  return service(hub, { httpClient: createDefaultHttpClient() });
}

function hubName(label) {
  return `node_${label}_${RUN}`;
}

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
    const steps = cleanups.reverse();
    cleanups = [];
    for (const step of steps) {
      try {
        await step();
      } catch {
        // Teardown of an already-closed client may throw; nothing to check there.
      }
    }
  }
}

async function waitFor(predicate, what) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Binary as hex, or, past 64 bytes, as its length and a SHA-256 prefix (short failure output). */
function hex(bytes) {
  const buf = Buffer.from(bytes);
  if (buf.length <= 64) return buf.toString("hex");
  return `${buf.length}B-sha256:${createHash("sha256").update(buf).digest("hex").slice(0, 16)}`;
}

/** Renders any received payload as a comparable string: `text:..`, `json:..`, `binary:<hex>`. */
function render(dataType, data) {
  if (dataType === "binary") return `binary:${hex(data)}`;
  if (dataType === "json") return `json:${JSON.stringify(data)}`;
  return `${dataType}:${data}`;
}

/** Asserts `list` ends with the sentinel and everything before it equals `expected`. */
function assertUntilSentinel(list, expected, who) {
  assert.equal(list.at(-1), `text:${SENTINEL}`, `${who}: last message is not the sentinel`);
  assert.deepEqual(list.slice(0, -1), expected, `${who}: wrong messages before the sentinel`);
}

/** Expects `promise` to reject with a RestError of one of `statuses`. */
async function expectRestError(promise, statuses, what) {
  try {
    await promise;
  } catch (err) {
    assert.ok(
      statuses.includes(err.statusCode),
      `${what}: expected HTTP ${statuses.join("/")}, got ${err.statusCode} (${err.name}: ${err.message})`,
    );
    assert.equal(err.name, "RestError", `${what}: error is not a RestError`);
    return err;
  }
  assert.fail(`${what}: expected HTTP ${statuses.join("/")}, but the call succeeded`);
}

// ---------------------------------------------------------------------------------------------
// Clients

/** Text frames holding JSON objects, re-serialized compactly (the service may reformat them). */
function canonical(frames) {
  return frames.map((f) => {
    if (!f.startsWith("text:{")) return f;
    try {
      return `text:${JSON.stringify(JSON.parse(f.slice(5)))}`;
    } catch {
      return f;
    }
  });
}

/** A plain `ws` client. Frames are recorded as `text:..` / `binary:<hex>` strings. */
async function rawSocket(url, subprotocol) {
  const ws = subprotocol ? new WebSocket(url, subprotocol) : new WebSocket(url);
  const frames = [];
  const closed = new Promise((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on("message", (data, isBinary) => {
    frames.push(isBinary ? `binary:${hex(data)}` : `text:${data.toString()}`);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`));
    });
  });
  cleanups.push(() => ws.terminate());
  return { ws, frames, closed };
}

/** A `ws` client speaking json.webpubsub.azure.v1 by hand; waits for the connected message. */
async function jsonSocket(url) {
  const sock = await rawSocket(url, "json.webpubsub.azure.v1");
  assert.equal(sock.ws.protocol, "json.webpubsub.azure.v1", "service did not select the subprotocol");
  await waitFor(() => sock.frames.length > 0, "the connected message");
  const connected = JSON.parse(sock.frames[0].slice("text:".length));
  assert.equal(connected.type, "system");
  assert.equal(connected.event, "connected");
  assert.equal(typeof connected.connectionId, "string");
  const messages = () => sock.frames.slice(1).map((f) => JSON.parse(f.slice("text:".length)));
  return { ...sock, connectionId: connected.connectionId, userId: connected.userId, messages };
}

/**
 * A WebPubSubClient (the SDK; json.reliable subprotocol unless `options.protocol` says other)
 * connected with a token that the server SDK signs. Received data is recorded, in order, in
 * `received` as rendered strings; full message objects are kept in `groupMessages`.
 */
async function sdkClient(svc, tokenOptions, options = {}) {
  const { url } = await svc.getClientAccessToken(tokenOptions);
  const client = new WebPubSubClient(url, {
    messageRetryOptions: { maxRetries: 0 },
    ...options,
  });
  const state = {
    client,
    received: [],
    groupMessages: [],
    connected: [],
    disconnected: [],
    stopped: 0,
  };
  client.on("connected", (e) => state.connected.push(e));
  client.on("disconnected", (e) => state.disconnected.push(e));
  client.on("stopped", () => {
    state.stopped += 1;
  });
  client.on("server-message", (e) => state.received.push(render(e.message.dataType, e.message.data)));
  client.on("group-message", (e) => {
    state.groupMessages.push(e.message);
    state.received.push(render(e.message.dataType, e.message.data));
  });
  cleanups.push(() => client.stop());
  await client.start();
  await waitFor(() => state.connected.length > 0, "the connected event");
  state.connectionId = state.connected[0].connectionId;
  return state;
}

/** Sends the sentinel to one connection and waits until the SDK client has it. */
async function drainConnection(svc, state) {
  await svc.sendToConnection(state.connectionId, SENTINEL, { contentType: "text/plain" });
  await waitFor(() => state.received.at(-1) === `text:${SENTINEL}`, "the sentinel");
}

// ---------------------------------------------------------------------------------------------
// Server SDK groups

await group("server: connection string parsing and client access URL", async () => {
  const hub = hubName("token");
  const svc = service(hub);
  assert.equal(svc.hubName, hub);
  assert.equal(svc.apiVersion, "2024-12-01");
  const { baseUrl, url, token } = await svc.getClientAccessToken({ userId: "u1" });
  assert.match(baseUrl, /^ws:\/\/127\.0\.0\.1:\d+\/client\/hubs\//, `baseUrl ${baseUrl}`);
  assert.equal(url, `${baseUrl}?access_token=${token}`);
  const sock = await jsonSocket(url);
  assert.equal(sock.userId, "u1", "connected message carries the token's sub as userId");
});

await group("server: sendToAll text, JSON and binary reach raw, json and SDK clients", async () => {
  const svc = service(hubName("sendall"));
  const raw = await rawSocket((await svc.getClientAccessToken({ userId: "raw" })).url);
  const json = await jsonSocket((await svc.getClientAccessToken({ userId: "json" })).url);
  const sdk = await sdkClient(svc, { userId: "sdk" });

  await svc.sendToAll("hello", { contentType: "text/plain" });
  await svc.sendToAll({ a: 1, b: [true, null] });
  await svc.sendToAll(Buffer.from([0, 1, 2, 255]));
  await svc.sendToAll(SENTINEL, { contentType: "text/plain" });

  await waitFor(() => raw.frames.at(-1) === `text:${SENTINEL}`, "raw sentinel");
  assertUntilSentinel(canonical(raw.frames), ["text:hello", 'text:{"a":1,"b":[true,null]}', "binary:000102ff"], "raw");

  await waitFor(() => json.messages().length === 4, "4 json messages");
  const got = json.messages();
  for (const m of got) {
    assert.equal(m.type, "message");
    assert.equal(m.from, "server");
  }
  assert.deepEqual(
    got.map((m) => [m.dataType, m.data]),
    [
      ["text", "hello"],
      ["json", { a: 1, b: [true, null] }],
      ["binary", Buffer.from([0, 1, 2, 255]).toString("base64")],
      ["text", SENTINEL],
    ],
  );

  await waitFor(
    () => sdk.received.at(-1) === `text:${SENTINEL}`,
    () => `SDK sentinel; received so far: ${JSON.stringify(sdk.received.map((r) => r.slice(0, 80)))}`,
  );
  assertUntilSentinel(sdk.received, ["text:hello", 'json:{"a":1,"b":[true,null]}', "binary:000102ff"], "sdk");
});

await group("server: sendToAll with excludedConnections and filter", async () => {
  const svc = service(hubName("exclude"));
  const a = await sdkClient(svc, { userId: "alice" });
  const b = await sdkClient(svc, { userId: "bob" });
  await svc.sendToAll("not for a", { contentType: "text/plain", excludedConnections: [a.connectionId] });
  await svc.sendToAll("only bob", { contentType: "text/plain", filter: "userId eq 'bob'" });
  await drainConnection(svc, a);
  await drainConnection(svc, b);
  assertUntilSentinel(a.received, [], "alice");
  assertUntilSentinel(b.received, ["text:not for a", "text:only bob"], "bob");
});

await group("server: sendToUser and sendToConnection", async () => {
  const svc = service(hubName("touser"));
  const a1 = await sdkClient(svc, { userId: "alice" });
  const a2 = await sdkClient(svc, { userId: "alice" });
  const b = await sdkClient(svc, { userId: "bob" });
  await svc.sendToUser("alice", "for alice", { contentType: "text/plain" });
  await svc.sendToUser("alice", { n: 2 });
  await svc.sendToUser("nobody", "lost", { contentType: "text/plain" });
  await svc.sendToConnection(a2.connectionId, "for a2", { contentType: "text/plain" });
  await svc.sendToConnection(b.connectionId, new Uint8Array([7, 8]));
  for (const c of [a1, a2, b]) await drainConnection(svc, c);
  assertUntilSentinel(a1.received, ["text:for alice", 'json:{"n":2}'], "alice#1");
  assertUntilSentinel(a2.received, ["text:for alice", 'json:{"n":2}', "text:for a2"], "alice#2");
  assertUntilSentinel(b.received, ["binary:0708"], "bob");
});

await group("server: connection/user/group existence", async () => {
  const svc = service(hubName("exists"));
  const c = await sdkClient(svc, { userId: "carol", groups: ["initial"] });
  assert.equal(await svc.connectionExists(c.connectionId), true, "connectionExists(live)");
  assert.equal(await svc.connectionExists("no-such-connection"), false, "connectionExists(unknown)");
  assert.equal(await svc.userExists("carol"), true, "userExists(carol)");
  assert.equal(await svc.userExists("dave"), false, "userExists(dave)");
  assert.equal(await svc.groupExists("initial"), true, "groupExists(initial from token)");
  assert.equal(await svc.groupExists("empty"), false, "groupExists(empty)");
});

await group("server: group membership of connections and users", async () => {
  const svc = service(hubName("groups"));
  const g = svc.group("room 1/ü");
  const a = await sdkClient(svc, { userId: "alice" });
  const b = await sdkClient(svc, { userId: "bob" });
  const b2 = await sdkClient(svc, { userId: "bob" });

  await g.addConnection(a.connectionId);
  assert.equal(await svc.groupExists("room 1/ü"), true, "group exists after addConnection");
  await g.sendToAll("one", { contentType: "text/plain" });

  await g.addUser("bob");
  await g.sendToAll({ two: 2 });
  await g.sendToAll("three", { contentType: "text/plain", excludedConnections: [b2.connectionId] });

  await g.removeConnection(a.connectionId);
  await g.sendToAll("four", { contentType: "text/plain" });

  await g.removeUser("bob");
  assert.equal(await svc.groupExists("room 1/ü"), false, "group is gone once empty");
  await g.sendToAll("five", { contentType: "text/plain" });

  for (const c of [a, b, b2]) await drainConnection(svc, c);
  assertUntilSentinel(a.received, ["text:one", 'json:{"two":2}', "text:three"], "alice");
  assertUntilSentinel(b.received, ['json:{"two":2}', "text:three", "text:four"], "bob#1");
  assertUntilSentinel(b2.received, ['json:{"two":2}', "text:four"], "bob#2");
});

await group("server: removeFromAllGroups, addConnectionsToGroups, removeConnectionsFromGroups", async () => {
  const svc = service(hubName("allgroups"));
  const a = await sdkClient(svc, { userId: "alice" });
  const b = await sdkClient(svc, { userId: "bob" });
  for (const name of ["g1", "g2"]) {
    await svc.group(name).addConnection(a.connectionId);
    await svc.group(name).addUser("bob");
  }
  await svc.removeConnectionFromAllGroups(a.connectionId);
  await svc.removeUserFromAllGroups("bob");
  assert.equal(await svc.groupExists("g1"), false, "g1 empty");
  assert.equal(await svc.groupExists("g2"), false, "g2 empty");

  await svc.addConnectionsToGroups(["g3", "g4"], "userId eq 'bob'");
  assert.equal(await svc.groupExists("g3"), true, "g3 after addConnectionsToGroups");
  await svc.group("g3").sendToAll("g3", { contentType: "text/plain" });
  await svc.removeConnectionsFromGroups(["g3"], "userId eq 'bob'");
  assert.equal(await svc.groupExists("g3"), false, "g3 after removeConnectionsFromGroups");
  await svc.group("g3").sendToAll("g3 again", { contentType: "text/plain" });
  await svc.group("g4").sendToAll("g4", { contentType: "text/plain" });

  for (const c of [a, b]) await drainConnection(svc, c);
  assertUntilSentinel(a.received, [], "alice");
  assertUntilSentinel(b.received, ["text:g3", "text:g4"], "bob");
});

await group("server: group.listConnections with paging (2024-12-01)", async () => {
  const svc = service(hubName("list"));
  const a = await sdkClient(svc, { userId: "alice", groups: ["lg"] });
  const b = await sdkClient(svc, { groups: ["lg"] });
  const members = [];
  for await (const m of await svc.group("lg").listConnections()) members.push(m);
  members.sort((x, y) => (x.userId ?? "").localeCompare(y.userId ?? ""));
  assert.deepEqual(
    members.map((m) => [m.connectionId, m.userId ?? undefined]),
    [
      [b.connectionId, undefined],
      [a.connectionId, "alice"],
    ],
  );
  for (let i = 0; i < 3; i += 1) await sdkClient(svc, { userId: `extra${i}`, groups: ["lg"] });
  const pageSizes = [];
  const ids = new Set();
  for await (const page of (await svc.group("lg").listConnections({ maxPageSize: 2 })).byPage()) {
    pageSizes.push(page.length);
    for (const m of page) ids.add(m.connectionId);
  }
  assert.deepEqual(pageSizes, [2, 2, 1], "pages of 2 over 5 members");
  assert.equal(ids.size, 5, "no member listed twice");
  const top = [];
  for await (const m of await svc.group("lg").listConnections({ top: 3 })) top.push(m);
  assert.equal(top.length, 3, "top 3");
  const none = [];
  for await (const m of await svc.group("nobody-here").listConnections()) none.push(m);
  assert.deepEqual(none, []);
});

await group("server: grant, check and revoke permissions (and their effect on a client)", async () => {
  const svc = service(hubName("perm"));
  const c = await sdkClient(svc, { userId: "p" });
  const id = c.connectionId;
  assert.equal(await svc.hasPermission(id, "joinLeaveGroup", { targetName: "pg" }), false, "before grant");
  await assert.rejects(c.client.joinGroup("pg"), SendMessageError, "joinGroup without permission");

  await svc.grantPermission(id, "joinLeaveGroup", { targetName: "pg" });
  assert.equal(await svc.hasPermission(id, "joinLeaveGroup", { targetName: "pg" }), true, "after grant");
  assert.equal(await svc.hasPermission(id, "joinLeaveGroup", { targetName: "other" }), false, "other group");
  await c.client.joinGroup("pg");

  await svc.grantPermission(id, "sendToGroup");
  assert.equal(await svc.hasPermission(id, "sendToGroup"), true, "sendToGroup for any group");
  await c.client.sendToGroup("pg", "from p", "text");

  await svc.revokePermission(id, "sendToGroup");
  assert.equal(await svc.hasPermission(id, "sendToGroup"), false, "after revoke");
  await assert.rejects(c.client.sendToGroup("pg", "denied", "text"), SendMessageError, "send after revoke");
  await svc.revokePermission(id, "joinLeaveGroup", { targetName: "pg" });
  assert.equal(await svc.hasPermission(id, "joinLeaveGroup", { targetName: "pg" }), false, "join after revoke");

  await drainConnection(svc, c);
  assertUntilSentinel(c.received, ["text:from p"], "p");
});

/** A json-protocol SDK client that neither recovers nor reconnects: closes stay closed. */
function plainClient(svc, tokenOptions) {
  return sdkClient(svc, tokenOptions, { protocol: WebPubSubJsonProtocol(), autoReconnect: false });
}

await group("server: closeConnection with a reason", async () => {
  const svc = service(hubName("close1"));
  const json = await jsonSocket((await svc.getClientAccessToken({ userId: "j" })).url);
  const sdk = await plainClient(svc, { userId: "s" });
  await svc.closeConnection(json.connectionId, { reason: "bye json" });
  await svc.closeConnection(sdk.connectionId, { reason: "bye sdk" });
  const closed = await json.closed;
  const last = json.messages().at(-1);
  assert.deepEqual([last?.type, last?.event], ["system", "disconnected"], "json client got disconnected");
  assert.match(String(last.message), /bye json/, "disconnected message carries the reason");
  assert.equal(typeof closed.code, "number");
  await waitFor(() => sdk.stopped > 0, "SDK client stopped");
  assert.match(String(sdk.disconnected[0]?.message?.message), /bye sdk/, "SDK saw the reason");
  assert.equal(await svc.connectionExists(json.connectionId), false);
  assert.equal(await svc.connectionExists(sdk.connectionId), false);
  await svc.closeConnection("no-such-connection", { reason: "nothing" });
});

await group("server: closeAllConnections, group closeAllConnections, closeUserConnections", async () => {
  const svc = service(hubName("closemany"));
  const inGroup = await plainClient(svc, { userId: "g", groups: ["doomed"] });
  const alsoInGroup = await plainClient(svc, { userId: "keep", groups: ["doomed"] });
  const user1 = await plainClient(svc, { userId: "u" });
  const user2 = await plainClient(svc, { userId: "u" });
  const other = await plainClient(svc, { userId: "other" });

  await svc.group("doomed").closeAllConnections({ reason: "group closed" });
  await waitFor(() => inGroup.stopped > 0 && alsoInGroup.stopped > 0, "group members stopped");
  assert.match(String(inGroup.disconnected[0]?.message?.message), /group closed/);

  await svc.closeUserConnections("u", { reason: "user closed" });
  await waitFor(() => user1.stopped > 0 && user2.stopped > 0, "user's connections stopped");
  assert.match(String(user2.disconnected[0]?.message?.message), /user closed/);
  assert.equal(await svc.userExists("u"), false, "user gone");
  assert.equal(other.stopped, 0, "unrelated connection still open");
  assert.equal(await svc.connectionExists(other.connectionId), true);

  const last = await plainClient(svc, { userId: "last" });
  await svc.closeAllConnections({ reason: "all closed" });
  await waitFor(() => other.stopped > 0 && last.stopped > 0, "all stopped");
  assert.match(String(last.disconnected[0]?.message?.message), /all closed/);
  assert.equal(await svc.connectionExists(last.connectionId), false);
});

await group("server: errors surface as RestError", async () => {
  const bad = await expectRestError(
    isolated("1starts-with-digit").sendToAll("x", { contentType: "text/plain" }),
    [400],
    "bad hub name",
  );
  assert.ok(bad.message.length > 0, "error message is not empty");
  const wrongKey = CONNECTION_STRING.replace(/AccessKey=[^;]*/i, "AccessKey=not-the-key");
  await expectRestError(
    new WebPubSubServiceClient(wrongKey, hubName("err"), {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
      httpClient: createDefaultHttpClient(),
    }).sendToAll("x", { contentType: "text/plain" }),
    [401],
    "wrong access key",
  );
  const svc = service(hubName("err"));
  await expectRestError(svc.grantPermission("some-conn", "notAPermission"), [400], "unknown permission");
  await expectRestError(svc.group("   ").addUser("u"), [400], "whitespace-only group name");
});

// ---------------------------------------------------------------------------------------------
// Client SDK groups

await group("client: join, sendToGroup (text/json/binary, noEcho), leave — exact order", async () => {
  const svc = service(hubName("chat"));
  const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
  const alice = await sdkClient(svc, { userId: "alice", roles });
  const bob = await sdkClient(svc, { userId: "bob", roles });
  const eve = await sdkClient(svc, { userId: "eve", roles });
  await alice.client.joinGroup("chat");
  await bob.client.joinGroup("chat");
  await eve.client.joinGroup("elsewhere");

  await alice.client.sendToGroup("chat", "hi", "text");
  await alice.client.sendToGroup("chat", { x: [1, "2"] }, "json", { noEcho: true });
  await alice.client.sendToGroup("chat", new Uint8Array([9, 10, 11]).buffer, "binary");
  await bob.client.sendToGroup("chat", "yo", "text", { noEcho: true });
  await bob.client.leaveGroup("chat");
  await alice.client.sendToGroup("chat", "after bob left", "text");

  for (const c of [alice, bob, eve]) await drainConnection(svc, c);
  assertUntilSentinel(alice.received, ["text:hi", "binary:090a0b", "text:yo", "text:after bob left"], "alice");
  assertUntilSentinel(bob.received, ["text:hi", 'json:{"x":[1,"2"]}', "binary:090a0b"], "bob");
  assertUntilSentinel(eve.received, [], "eve");
  const first = bob.groupMessages[0];
  assert.equal(first.group, "chat");
  assert.equal(first.fromUserId, "alice");
  assert.equal(first.dataType, "text");
  assert.equal(alice.groupMessages.at(-2).fromUserId, "bob");
});

await group("client: token groups, scoped roles and denied requests", async () => {
  const svc = service(hubName("roles"));
  const scoped = await sdkClient(svc, {
    userId: "scoped",
    groups: ["lobby"],
    roles: ["webpubsub.joinLeaveGroup.room", "webpubsub.sendToGroup.room"],
  });
  const none = await sdkClient(svc, { userId: "none" });
  await svc.group("lobby").sendToAll("lobby msg", { contentType: "text/plain" });
  await scoped.client.joinGroup("room");
  await scoped.client.sendToGroup("room", "in room", "text");
  await assert.rejects(scoped.client.joinGroup("other"), SendMessageError, "join outside scope");
  await assert.rejects(scoped.client.sendToGroup("lobby", "no", "text"), SendMessageError, "send outside scope");
  const denied = await none.client.joinGroup("room").then(
    () => assert.fail("joinGroup without roles succeeded"),
    (e) => e,
  );
  assert.ok(denied instanceof SendMessageError);
  assert.ok(denied.errorDetail?.name, "ack error has a name");

  await drainConnection(svc, scoped);
  await drainConnection(svc, none);
  assertUntilSentinel(scoped.received, ["text:lobby msg", "text:in room"], "scoped");
  assertUntilSentinel(none.received, [], "none");
});

await group("client: json (non-reliable) protocol and a raw-protocol observer", async () => {
  const svc = service(hubName("plain"));
  const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
  const plain = await sdkClient(svc, { userId: "plain", roles }, { protocol: WebPubSubJsonProtocol() });
  const raw = await rawSocket((await svc.getClientAccessToken({ userId: "raw", groups: ["mix"] })).url);
  await plain.client.joinGroup("mix");
  await plain.client.sendToGroup("mix", "text to raw", "text", { noEcho: true });
  await plain.client.sendToGroup("mix", { j: true }, "json", { noEcho: true });
  await plain.client.sendToGroup("mix", new Uint8Array([1]).buffer, "binary", { noEcho: true });
  await svc.sendToUser("raw", SENTINEL, { contentType: "text/plain" });
  await waitFor(() => raw.frames.at(-1) === `text:${SENTINEL}`, "raw sentinel");
  assertUntilSentinel(canonical(raw.frames), ["text:text to raw", 'text:{"j":true}', "binary:01"], "raw");
  await drainConnection(svc, plain);
  assertUntilSentinel(plain.received, [], "plain");
});

await group("client: reliable protocol messages carry increasing sequenceIds", async () => {
  const svc = service(hubName("seq"));
  const url = (await svc.getClientAccessToken({ userId: "r" })).url;
  const sock = await rawSocket(url, "json.reliable.webpubsub.azure.v1");
  assert.equal(sock.ws.protocol, "json.reliable.webpubsub.azure.v1");
  await waitFor(() => sock.frames.length > 0, "connected");
  const connected = JSON.parse(sock.frames[0].slice(5));
  assert.equal(connected.event, "connected");
  assert.equal(typeof connected.reconnectionToken, "string", "reliable connected carries reconnectionToken");
  for (const n of [1, 2, 3]) await svc.sendToAll(`m${n}`, { contentType: "text/plain" });
  await waitFor(() => sock.frames.length === 4, "three messages");
  const seqs = sock.frames.slice(1).map((f) => JSON.parse(f.slice(5)).sequenceId);
  assert.deepEqual(seqs, [1, 2, 3]);
  sock.ws.send(JSON.stringify({ type: "sequenceAck", sequenceId: 3 }));
  await svc.sendToAll("m4", { contentType: "text/plain" });
  await waitFor(() => sock.frames.length === 5, "fourth message");
  assert.equal(JSON.parse(sock.frames[4].slice(5)).sequenceId, 4);
});

await group("server: hub names compare case-insensitively; messageTtlSeconds is range-checked", async () => {
  const hub = hubName("Case");
  const lower = service(hub.toLowerCase());
  const upper = service(hub.toUpperCase());
  const c = await sdkClient(lower, { userId: "c" });
  await upper.sendToAll("via upper", { contentType: "text/plain", messageTtlSeconds: 10 });
  assert.equal(await upper.connectionExists(c.connectionId), true);
  // Requests refused before their body is read use a client of their own (see `isolated`).
  await expectRestError(
    isolated(hub).sendToAll("too long", { contentType: "text/plain", messageTtlSeconds: 301 }),
    [400],
    "messageTtlSeconds 301",
  );
  await drainConnection(lower, c);
  assertUntilSentinel(c.received, ["text:via upper"], "c");
});

await group("server: filters over groups, userId and connectionId", async () => {
  const svc = service(hubName("filters"));
  const a = await sdkClient(svc, { userId: "alice", groups: ["red", "blue"] });
  const b = await sdkClient(svc, { userId: "bob", groups: ["blue"] });
  const n = await sdkClient(svc, {});
  await svc.sendToAll("red", { contentType: "text/plain", filter: "'red' in groups" });
  await svc.sendToAll("not blue", { contentType: "text/plain", filter: "not('blue' in groups)" });
  await svc.sendToAll("anon", { contentType: "text/plain", filter: "userId eq null" });
  await svc.sendToAll("a or b", {
    contentType: "text/plain",
    filter: `connectionId eq '${a.connectionId}' or userId eq 'bob'`,
  });
  await svc.group("blue").sendToAll("blue not bob", { contentType: "text/plain", filter: "userId ne 'bob'" });
  await svc.sendToUser("alice", "user+filter", { contentType: "text/plain", filter: "'red' in groups" });
  await expectRestError(
    isolated(hubName("filters")).sendToAll("x", { contentType: "text/plain", filter: "userId eq" }),
    [400],
    "malformed filter",
  );
  for (const c of [a, b, n]) await drainConnection(svc, c);
  assertUntilSentinel(a.received, ["text:red", "text:a or b", "text:blue not bob", "text:user+filter"], "alice");
  assertUntilSentinel(b.received, ["text:a or b"], "bob");
  assertUntilSentinel(n.received, ["text:not blue", "text:anon"], "anonymous");
});

await group("server: client tokens are checked (audience, signature, expiry)", async () => {
  const svc = service(hubName("auth"));
  const other = service(hubName("authother"));
  const { baseUrl, token } = await svc.getClientAccessToken({ userId: "x" });
  const otherToken = (await other.getClientAccessToken({ userId: "x" })).token;
  const refused = async (url, what) => {
    await assert.rejects(rawSocket(url), /upgrade refused: HTTP 401/, what);
  };
  await refused(`${baseUrl}?access_token=${otherToken}`, "token for another hub");
  const [h, p, sig] = token.split(".");
  const flipped = sig.startsWith("A") ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
  await refused(`${baseUrl}?access_token=${h}.${p}.${flipped}`, "bad signature");
  await refused(`${baseUrl}?access_token=`, "empty token");
  const wrongKey = new WebPubSubServiceClient(
    CONNECTION_STRING.replace(/AccessKey=[^;]*/i, "AccessKey=not-the-key"),
    hubName("auth"),
    { allowInsecureConnection: true },
  );
  await refused((await wrongKey.getClientAccessToken({ userId: "x" })).url, "signed with another key");
  const expired = (await svc.getClientAccessToken({ userId: "x", expirationTimeInMinutes: -5 })).url;
  await refused(expired, "expired token");
  await rawSocket(`${baseUrl}?access_token=${token}`);
});

await group("client: default SDK client reconnects and rejoins its groups after a server close", async () => {
  const svc = service(hubName("rejoin"));
  const c = await sdkClient(
    svc,
    { userId: "r", roles: ["webpubsub.joinLeaveGroup"] },
    { messageRetryOptions: { maxRetries: 3 } },
  );
  await c.client.joinGroup("keep");
  const first = c.connectionId;
  await svc.closeConnection(first, { reason: "kicked" });
  await waitFor(() => c.connected.length === 2, "the second connected event");
  assert.match(String(c.disconnected[0]?.message?.message), /kicked/);
  const second = c.connected[1].connectionId;
  assert.notEqual(second, first, "a new connection");
  let joined = false;
  const deadline = Date.now() + WAIT_MS;
  while (!joined && Date.now() < deadline) {
    joined = await svc.group("keep").listConnections().then(async (it) => {
      for await (const m of it) if (m.connectionId === second) return true;
      return false;
    });
    if (!joined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(joined, "the SDK rejoined group keep on its new connection");
  await svc.group("keep").sendToAll("after rejoin", { contentType: "text/plain" });
  c.connectionId = second;
  await drainConnection(svc, c);
  assertUntilSentinel(c.received, ["text:after rejoin"], "r");
});

await group("client: reliable recovery — socket killed mid-stream, every message once, in order", async () => {
  const svc = service(hubName("recover"));
  const c = await sdkClient(svc, { userId: "rec", roles: ["webpubsub.joinLeaveGroup"] });
  await c.client.joinGroup("stay");
  const id = c.connectionId;
  const firstSocket = c.client._wsClient;
  const total = 300;
  for (let i = 0; i < total; i++) {
    // Every other message goes through the group, so membership must survive the recovery.
    if (i % 2 === 0) await svc.sendToConnection(id, `m${i}`, { contentType: "text/plain" });
    else await svc.group("stay").sendToAll(`m${i}`, { contentType: "text/plain" });
    if (i === 100) {
      await waitFor(() => c.received.length >= 50, "50 messages before the cut");
      // Cut the TCP connection without a close frame, as a network failure would.
      c.client._wsClient._socket.terminate();
    }
  }
  await svc.sendToConnection(id, SENTINEL, { contentType: "text/plain" });
  await waitFor(
    () => c.received.at(-1) === `text:${SENTINEL}`,
    () => `the sentinel after recovery (received ${c.received.length})`,
  );
  const expected = Array.from({ length: total }, (_, i) => `text:m${i}`);
  assert.deepEqual(c.received.slice(0, -1), expected, "every message exactly once, in order");
  assert.equal(c.connected.length, 1, "the connection resumed: no second connected event");
  assert.equal(c.disconnected.length, 0, "the connection resumed: no disconnected event");
  assert.notEqual(c.client._wsClient, firstSocket, "a new socket carried the connection");

  // A wrong reconnection token is refused with close code 1008 (the client stops recovering).
  const { baseUrl } = await svc.getClientAccessToken();
  const bad = `${baseUrl}?awps_connection_id=${id}&awps_reconnection_token=wrong`;
  const sock = await rawSocket(bad, "json.reliable.webpubsub.azure.v1");
  const closed = await sock.closed;
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /reconnection token/);
  // ...and leaves the real session alone.
  await svc.sendToConnection(id, "after refusal", { contentType: "text/plain" });
  await waitFor(() => c.received.at(-1) === "text:after refusal", "a message after the refusal");
  assert.equal(c.received.length, total + 2);
});

await group("client: sendEvent is acknowledged (no upstream here)", async () => {
  const svc = service(hubName("event"));
  const c = await sdkClient(svc, { userId: "e" });
  const result = await c.client.sendEvent("hello", { a: 1 }, "json");
  assert.equal(result.isDuplicated, false);
  await c.client.sendEvent("fire", "and forget", "text", { fireAndForget: true });
  await drainConnection(svc, c);
  assertUntilSentinel(c.received, [], "e");
});

await group("server: payloads — unicode, JSON strings, 512 KiB binary, over 1 MiB refused", async () => {
  const svc = service(hubName("payload"));
  const raw = await rawSocket((await svc.getClientAccessToken({ userId: "raw" })).url);
  const sdk = await sdkClient(svc, { userId: "sdk" });
  const big = Buffer.alloc(512 * 1024);
  for (let i = 0; i < big.length; i += 1) big[i] = (i * 7) % 256;
  await svc.sendToAll("héllo ✓ 🎉", { contentType: "text/plain" });
  await svc.sendToAll("a JSON string");
  await svc.sendToAll(big);
  await svc.sendToAll(SENTINEL, { contentType: "text/plain" });
  await waitFor(() => raw.frames.at(-1) === `text:${SENTINEL}`, "raw sentinel");
  assertUntilSentinel(raw.frames, ["text:héllo ✓ 🎉", 'text:"a JSON string"', `binary:${hex(big)}`], "raw");
  await waitFor(
    () => sdk.received.at(-1) === `text:${SENTINEL}`,
    () => `SDK sentinel; received so far: ${JSON.stringify(sdk.received.map((r) => r.slice(0, 80)))}`,
  );
  assertUntilSentinel(sdk.received, ["text:héllo ✓ 🎉", 'json:"a JSON string"', `binary:${hex(big)}`], "sdk");
  await expectRestError(
    isolated(hubName("payload")).sendToAll(Buffer.alloc(1024 * 1024 + 1)),
    [413],
    "a body over 1 MiB",
  );
});

await group("server: hub names with the punctuation Azure allows (. , [ ] `)", async () => {
  for (const hub of [`h.${RUN}`, `h,[${RUN}]`, `h\`${RUN}`]) {
    const svc = service(hub);
    const c = await sdkClient(svc, { userId: "u" });
    await svc.sendToUser("u", `to ${hub}`, { contentType: "text/plain" });
    await drainConnection(svc, c);
    assertUntilSentinel(c.received, [`text:to ${hub}`], hub);
  }
});

await group("server: :generateToken and HEAD /api/health through the SDK's generated client", async () => {
  // With an AccessKey the public API signs tokens locally; the generated client beneath it
  // still exposes the REST operations, so the service's own token endpoint is checked here.
  const hub = hubName("gentoken");
  const svc = service(hub);
  const generated = svc.client;
  assert.ok(generated?.webPubSub && generated?.healthApi, "the SDK still has its generated client");
  await generated.healthApi.getServiceStatus();
  const { token } = await generated.webPubSub.generateClientToken(hub, {
    userId: "minted",
    roles: ["webpubsub.joinLeaveGroup.room", "webpubsub.sendToGroup.room"],
    groups: ["lobby"],
    expirationTimeInMinutes: 5,
  });
  const [, payload] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  assert.equal(claims.sub, "minted");
  assert.deepEqual(claims.role, ["webpubsub.joinLeaveGroup.room", "webpubsub.sendToGroup.room"]);
  assert.deepEqual([claims["webpubsub.group"]].flat(), ["lobby"]);
  assert.ok(claims.exp - claims.iat <= 5 * 60 && claims.exp - claims.iat > 4 * 60, "expiry from minutes");
  const { baseUrl } = await svc.getClientAccessToken();
  const c = new WebPubSubClient(`${baseUrl}?access_token=${token}`, { messageRetryOptions: { maxRetries: 0 } });
  const got = [];
  c.on("group-message", (e) => got.push(`${e.message.group}:${e.message.data}`));
  cleanups.push(() => c.stop());
  await c.start();
  await c.joinGroup("room");
  await c.sendToGroup("room", "hello room", "text");
  await assert.rejects(c.joinGroup("elsewhere"), SendMessageError, "role is scoped to room");
  await svc.group("lobby").sendToAll("lobby", { contentType: "text/plain" });
  await waitFor(() => got.length === 2, () => `two group messages, got ${JSON.stringify(got)}`);
  assert.deepEqual(got.sort(), ["lobby:lobby", "room:hello room"]);
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
