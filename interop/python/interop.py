"""Drive a Web PubSub service with Microsoft's own Python SDKs.

azure-messaging-webpubsubservice (REST, pinned to api-version 2024-01-01 here so that the
service's older version is exercised; the Node script covers 2024-12-01) and
azure-messaging-webpubsubclient (json.reliable / json subprotocols), plus a raw-protocol client
built on websocket-client. Each assertion group prints ``ok`` or ``FAIL``; the last line is
``N passed, M failed`` and the exit status is non-zero when anything failed.

Usage:
    WEBPUBSUB_CONNECTION_STRING='Endpoint=http://127.0.0.1;AccessKey=...;Version=1.0;Port=N;' \
        python3 interop/python/interop.py
"""

import base64
import hashlib
import json
import logging
import os
import random
import socket
import string
import sys
import threading
import time
import traceback
import warnings

import websocket
from azure.core.exceptions import HttpResponseError
from azure.messaging.webpubsubclient import WebPubSubClient
from azure.messaging.webpubsubclient.models import (
    CallbackType,
    SendMessageError,
    WebPubSubDataType,
    WebPubSubProtocolType,
)
from azure.messaging.webpubsubservice import WebPubSubServiceClient
from azure.messaging.webpubsubservice._operations._operations import (
    WebPubSubServiceClientOperationsMixin as GeneratedOperations,
)

CONNECTION_STRING = os.environ.get("WEBPUBSUB_CONNECTION_STRING")
API_VERSION = "2024-01-01"
# How long any single wait for a message or state may take before the group fails.
WAIT_S = 10.0
# start/ack timeouts of the client SDK, see `Sdk`.
SDK_TIMEOUT_S = 5.0
# Text that marks the end of what a receiver should have seen.
SENTINEL = "__sentinel__"
# Unique suffix so reruns against one long-lived service never share hubs.
RUN = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))

# The client SDK logs every expected close at WARNING; failures are reported by the checks here.
logging.getLogger("azure.messaging.webpubsubclient").setLevel(logging.ERROR)
# The wrong-key check signs with a deliberately short key.
warnings.filterwarnings("ignore", message="The HMAC key is")

passed = 0
failed = 0
# Teardown steps of the running group (clients to close).
cleanups = []


def service(hub, connection_string=None):
    """A server SDK client for a hub (each group uses its own hub so state never leaks)."""
    return WebPubSubServiceClient.from_connection_string(
        connection_string or CONNECTION_STRING,
        hub=hub,
        api_version=API_VERSION,
        retry_total=0,
    )


def hub_name(label):
    return f"py_{label}_{RUN}"


GROUPS = []


def group(fn):
    """Register an assertion group; `main` runs them in order."""
    GROUPS.append(fn)
    return fn


def run_group(fn):
    """Run one assertion group, count it, and tear down what it opened."""
    global passed, failed, cleanups
    name = fn.__doc__.strip().splitlines()[0]
    started = time.monotonic()
    try:
        fn()
        passed += 1
        print(f"ok   {name} ({time.monotonic() - started:.1f}s)", flush=True)
    except Exception:  # noqa: BLE001 - every failure of a group is reported, then the next runs
        failed += 1
        detail = traceback.format_exc().rstrip().replace("\n", "\n     ")
        print(f"FAIL {name}\n     {detail}", flush=True)
    finally:
        steps, cleanups = list(reversed(cleanups)), []
        for step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - closing an already closed client may raise
                pass


def wait_for(predicate, what):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {WAIT_S}s waiting for {what() if callable(what) else what}")


def expect_equal(got, expected, what):
    if got != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {got!r}")


def hexed(data):
    """Bytes as hex, or, past 64 bytes, as length and a SHA-256 prefix (short failure output)."""
    data = bytes(data)
    if len(data) <= 64:
        return data.hex()
    return f"{len(data)}B-sha256:{hashlib.sha256(data).hexdigest()[:16]}"


def render(data_type, data):
    """Render a received payload as a comparable string: text:.., json:.., binary:<hex>."""
    data_type = str(getattr(data_type, "value", data_type))
    if data_type == "binary":
        return "binary:" + hexed(data)
    if data_type == "json":
        return "json:" + json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"{data_type}:{data}"


def expect_until_sentinel(received, expected, who):
    """`received` ends with the sentinel and everything before it equals `expected`."""
    items = list(received)
    expect_equal(items[-1:], [f"text:{SENTINEL}"], f"{who}: last message")
    expect_equal(items[:-1], expected, f"{who}: messages before the sentinel")


def expect_http_error(call, statuses, what):
    try:
        call()
    except HttpResponseError as err:
        if err.status_code not in statuses:
            raise AssertionError(f"{what}: expected HTTP {statuses}, got {err.status_code}: {err}") from err
        return err
    raise AssertionError(f"{what}: expected HTTP {statuses}, but the call succeeded")


def expect_send_error(call, what):
    try:
        call()
    except SendMessageError as err:
        return err
    raise AssertionError(f"{what}: expected SendMessageError, but the call succeeded")


class Sdk:
    """A WebPubSubClient connected with a token the server SDK signed; records what it receives."""

    def __init__(self, svc, protocol=WebPubSubProtocolType.JSON_RELIABLE, reconnect=True, **token):
        self.url = svc.get_client_access_token(**token)["url"]
        # The SDK runs every callback on a thread of its own, so callbacks may run out of
        # order: items are kept with their sequenceId (reliable protocol) and sorted by it.
        self._items = []
        self._group_items = []
        self.reliable = protocol == WebPubSubProtocolType.JSON_RELIABLE
        self.connected = []
        self.disconnected = []
        self.stopped = threading.Event()
        # The client SDK (1.1.0) waits on a condition variable after starting the socket or
        # sending a request, so a fast service's notify can come before the wait and be lost;
        # the call then sleeps the whole timeout (default 30 s) before reading the (correct)
        # state. Short timeouts keep that race cheap; a local service answers in milliseconds.
        kwargs = {
            "protocol_type": protocol,
            "message_retry_total": 0,
            "start_timeout": SDK_TIMEOUT_S,
            "ack_timeout": SDK_TIMEOUT_S,
        }
        if not reconnect:
            kwargs["reconnect_retry_total"] = 0
        self.client = WebPubSubClient(self.url, **kwargs)
        self.client.subscribe(CallbackType.CONNECTED, self.connected.append)
        self.client.subscribe(CallbackType.DISCONNECTED, self.disconnected.append)
        self.client.subscribe(CallbackType.STOPPED, lambda *_: self.stopped.set())
        self.client.subscribe(CallbackType.SERVER_MESSAGE, self._on_server)
        self.client.subscribe(CallbackType.GROUP_MESSAGE, self._on_group)
        cleanups.append(self.client.close)
        self.client.open()
        wait_for(lambda: self.connected, "the connected event")
        self.connection_id = self.connected[0].connection_id

    def _key(self, e):
        # list.append is atomic under the GIL; len() gives arrival order as a tie-breaker.
        return (e.sequence_id or 0, len(self._items))

    def _on_server(self, e):
        self._items.append((self._key(e), render(e.data_type, e.data)))

    def _on_group(self, e):
        key = self._key(e)
        self._group_items.append((key, e))
        self._items.append((key, render(e.data_type, e.data)))

    @property
    def received(self):
        """Rendered data messages in delivery order (sequenceId order for reliable clients)."""
        return [r for _, r in sorted(list(self._items), key=lambda item: item[0])]

    @property
    def group_messages(self):
        return [e for _, e in sorted(list(self._group_items), key=lambda item: item[0])]

    def settled(self):
        """No gap in the sequenceIds seen so far (always true without the reliable protocol)."""
        if not self.reliable:
            return True
        ids = sorted(key[0] for key, _ in list(self._items))
        return ids == list(range(1, len(ids) + 1))

    def wait_sentinel(self, seen=0):
        """Wait for sentinel number `seen + 1` and for everything sequenced before it."""
        wait_for(
            lambda: self.received.count(f"text:{SENTINEL}") > seen and self.settled(),
            lambda: f"the sentinel; received so far: {[r[:80] for r in self.received]}",
        )

    def drain(self, svc):
        """Send the sentinel to this connection and wait until it (and all before it) arrived."""
        seen = self.received.count(f"text:{SENTINEL}")
        svc.send_to_connection(self.connection_id, SENTINEL, content_type="text/plain")
        self.wait_sentinel(seen)


class Raw:
    """A websocket-client socket (raw protocol unless `subprotocol`); frames as rendered strings."""

    def __init__(self, url, subprotocol=None):
        self.frames = []
        self.ws = websocket.create_connection(
            url, subprotocols=[subprotocol] if subprotocol else None, timeout=WAIT_S
        )
        cleanups.append(self.ws.close)
        # The timeout above bounds the handshake only; reads block until data or close.
        self.ws.settimeout(None)
        self.protocol = self.ws.getsubprotocol()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                opcode, data = self.ws.recv_data()
            except Exception:  # noqa: BLE001 - socket closed or timed out: reading ends
                return
            if opcode == websocket.ABNF.OPCODE_TEXT:
                self.frames.append("text:" + data.decode())
            elif opcode == websocket.ABNF.OPCODE_BINARY:
                self.frames.append("binary:" + hexed(data))
            elif opcode == websocket.ABNF.OPCODE_CLOSE:
                return

    def json_messages(self):
        return [json.loads(f[len("text:") :]) for f in self.frames]


# ---------------------------------------------------------------------------------------------
# Server SDK groups


@group
def _token_url():
    """server: connection string parsing and client access URL"""
    hub = hub_name("token")
    svc = service(hub)
    token = svc.get_client_access_token(user_id="u1", roles=["webpubsub.joinLeaveGroup"])
    assert token["baseUrl"].startswith("ws://127.0.0.1:"), token["baseUrl"]
    expect_equal(token["baseUrl"].split("/client/hubs/")[1], hub, "hub in the URL")
    raw = Raw(token["url"], "json.webpubsub.azure.v1")
    expect_equal(raw.protocol, "json.webpubsub.azure.v1", "selected subprotocol")
    wait_for(lambda: raw.frames, "the connected message")
    connected = raw.json_messages()[0]
    expect_equal((connected["type"], connected["event"], connected["userId"]), ("system", "connected", "u1"), "connected")


@group
def _send_all():
    """server: send_to_all text, JSON and binary reach raw and SDK clients"""
    svc = service(hub_name("sendall"))
    raw = Raw(svc.get_client_access_token(user_id="raw")["url"])
    sdk = Sdk(svc, user_id="sdk")
    svc.send_to_all("hello", content_type="text/plain")
    svc.send_to_all({"a": 1, "b": [True, None]})
    svc.send_to_all(b"\x00\x01\x02\xff", content_type="application/octet-stream")
    svc.send_to_all(SENTINEL, content_type="text/plain")
    wait_for(lambda: raw.frames[-1:] == [f"text:{SENTINEL}"], "raw sentinel")
    raw_frames = list(raw.frames)
    expect_equal(raw_frames[0], "text:hello", "raw text frame")
    expect_equal(json.loads(raw_frames[1][len("text:") :]), {"a": 1, "b": [True, None]}, "raw JSON frame")
    expect_equal(raw_frames[2:], ["binary:000102ff", f"text:{SENTINEL}"], "raw binary frame")
    sdk.wait_sentinel()
    expect_until_sentinel(
        sdk.received, ["text:hello", 'json:{"a":1,"b":[true,null]}', "binary:000102ff"], "sdk"
    )


@group
def _excluded_and_filter():
    """server: send_to_all with excluded and filter"""
    svc = service(hub_name("exclude"))
    a = Sdk(svc, user_id="alice")
    b = Sdk(svc, user_id="bob")
    svc.send_to_all("not for a", content_type="text/plain", excluded=[a.connection_id])
    svc.send_to_all("only bob", content_type="text/plain", filter="userId eq 'bob'")
    a.drain(svc)
    b.drain(svc)
    expect_until_sentinel(a.received, [], "alice")
    expect_until_sentinel(b.received, ["text:not for a", "text:only bob"], "bob")


@group
def _to_user_and_connection():
    """server: send_to_user and send_to_connection"""
    svc = service(hub_name("touser"))
    a1 = Sdk(svc, user_id="alice")
    a2 = Sdk(svc, user_id="alice")
    b = Sdk(svc, user_id="bob")
    svc.send_to_user("alice", "for alice", content_type="text/plain")
    svc.send_to_user("alice", {"n": 2})
    svc.send_to_user("nobody", "lost", content_type="text/plain")
    svc.send_to_connection(a2.connection_id, "for a2", content_type="text/plain")
    svc.send_to_connection(b.connection_id, b"\x07\x08", content_type="application/octet-stream")
    for c in (a1, a2, b):
        c.drain(svc)
    expect_until_sentinel(a1.received, ["text:for alice", 'json:{"n":2}'], "alice#1")
    expect_until_sentinel(a2.received, ["text:for alice", 'json:{"n":2}', "text:for a2"], "alice#2")
    expect_until_sentinel(b.received, ["binary:0708"], "bob")


@group
def _existence():
    """server: connection/user/group existence"""
    svc = service(hub_name("exists"))
    c = Sdk(svc, user_id="carol", groups=["initial"])
    expect_equal(svc.connection_exists(c.connection_id), True, "connection_exists(live)")
    expect_equal(svc.connection_exists("no-such-connection"), False, "connection_exists(unknown)")
    expect_equal(svc.user_exists("carol"), True, "user_exists(carol)")
    expect_equal(svc.user_exists("dave"), False, "user_exists(dave)")
    expect_equal(svc.group_exists("initial"), True, "group_exists(initial from token)")
    expect_equal(svc.group_exists("empty"), False, "group_exists(empty)")


@group
def _membership():
    """server: group membership of connections and users"""
    svc = service(hub_name("groups"))
    g = "room 1/ü"
    a = Sdk(svc, user_id="alice")
    b = Sdk(svc, user_id="bob")
    b2 = Sdk(svc, user_id="bob")
    svc.add_connection_to_group(g, a.connection_id)
    expect_equal(svc.group_exists(g), True, "group exists after add_connection_to_group")
    svc.send_to_group(g, "one", content_type="text/plain")
    svc.add_user_to_group(g, "bob")
    svc.send_to_group(g, {"two": 2})
    svc.send_to_group(g, "three", content_type="text/plain", excluded=[b2.connection_id])
    svc.remove_connection_from_group(g, a.connection_id)
    svc.send_to_group(g, "four", content_type="text/plain")
    svc.remove_user_from_group(g, "bob")
    expect_equal(svc.group_exists(g), False, "group is gone once empty")
    svc.send_to_group(g, "five", content_type="text/plain")
    for c in (a, b, b2):
        c.drain(svc)
    expect_until_sentinel(a.received, ["text:one", 'json:{"two":2}', "text:three"], "alice")
    expect_until_sentinel(b.received, ['json:{"two":2}', "text:three", "text:four"], "bob#1")
    expect_until_sentinel(b2.received, ['json:{"two":2}', "text:four"], "bob#2")


@group
def _remove_from_all():
    """server: remove_connection_from_all_groups and remove_user_from_all_groups"""
    svc = service(hub_name("allgroups"))
    a = Sdk(svc, user_id="alice")
    b = Sdk(svc, user_id="bob")
    for name in ("g1", "g2"):
        svc.add_connection_to_group(name, a.connection_id)
        svc.add_user_to_group(name, "bob")
    svc.remove_connection_from_all_groups(a.connection_id)
    expect_equal(svc.group_exists("g1"), True, "g1 still has bob")
    svc.remove_user_from_all_groups("bob")
    expect_equal(svc.group_exists("g1"), False, "g1 empty")
    expect_equal(svc.group_exists("g2"), False, "g2 empty")
    svc.send_to_group("g1", "nobody", content_type="text/plain")
    for c in (a, b):
        c.drain(svc)
    expect_until_sentinel(a.received, [], "alice")
    expect_until_sentinel(b.received, [], "bob")


@group
def _permissions():
    """server: grant, check and revoke permissions (and their effect on a client)"""
    svc = service(hub_name("perm"))
    c = Sdk(svc, user_id="p")
    cid = c.connection_id
    expect_equal(svc.has_permission("joinLeaveGroup", cid, target_name="pg"), False, "before grant")
    expect_send_error(lambda: c.client.join_group("pg"), "join_group without permission")
    svc.grant_permission("joinLeaveGroup", cid, target_name="pg")
    expect_equal(svc.has_permission("joinLeaveGroup", cid, target_name="pg"), True, "after grant")
    expect_equal(svc.has_permission("joinLeaveGroup", cid, target_name="other"), False, "other group")
    c.client.join_group("pg")
    svc.grant_permission("sendToGroup", cid)
    expect_equal(svc.has_permission("sendToGroup", cid), True, "sendToGroup for any group")
    c.client.send_to_group("pg", "from p", WebPubSubDataType.TEXT)
    svc.revoke_permission("sendToGroup", cid)
    expect_equal(svc.has_permission("sendToGroup", cid), False, "after revoke")
    expect_send_error(lambda: c.client.send_to_group("pg", "denied", WebPubSubDataType.TEXT), "send after revoke")
    svc.revoke_permission("joinLeaveGroup", cid, target_name="pg")
    expect_equal(svc.has_permission("joinLeaveGroup", cid, target_name="pg"), False, "join after revoke")
    c.drain(svc)
    expect_until_sentinel(c.received, ["text:from p"], "p")


@group
def _close_one():
    """server: close_connection with a reason"""
    svc = service(hub_name("close1"))
    raw = Raw(svc.get_client_access_token(user_id="j")["url"], "json.webpubsub.azure.v1")
    wait_for(lambda: raw.frames, "connected")
    raw_id = raw.json_messages()[0]["connectionId"]
    sdk = Sdk(svc, protocol=WebPubSubProtocolType.JSON, reconnect=False, user_id="s")
    svc.close_connection(raw_id, reason="bye raw")
    svc.close_connection(sdk.connection_id, reason="bye sdk")
    raw.reader.join(WAIT_S)
    assert not raw.reader.is_alive(), "raw socket was not closed"
    last = raw.json_messages()[-1]
    expect_equal((last["type"], last["event"]), ("system", "disconnected"), "raw got disconnected")
    assert "bye raw" in str(last.get("message")), f"reason missing in {last}"
    assert sdk.stopped.wait(WAIT_S), "SDK client did not stop"
    assert "bye sdk" in str(sdk.disconnected[0].message), f"SDK disconnected: {sdk.disconnected[0].message!r}"
    expect_equal(svc.connection_exists(raw_id), False, "raw connection gone")
    expect_equal(svc.connection_exists(sdk.connection_id), False, "sdk connection gone")


@group
def _close_many():
    """server: close_group_connections, close_user_connections, close_all_connections"""
    svc = service(hub_name("closemany"))
    in_group = Sdk(svc, protocol=WebPubSubProtocolType.JSON, reconnect=False, user_id="g", groups=["doomed"])
    user1 = Sdk(svc, protocol=WebPubSubProtocolType.JSON, reconnect=False, user_id="u")
    user2 = Sdk(svc, protocol=WebPubSubProtocolType.JSON, reconnect=False, user_id="u")
    other = Sdk(svc, protocol=WebPubSubProtocolType.JSON, reconnect=False, user_id="other")
    svc.close_group_connections("doomed", reason="group closed")
    assert in_group.stopped.wait(WAIT_S), "group member did not stop"
    assert "group closed" in str(in_group.disconnected[0].message)
    svc.close_user_connections("u", reason="user closed", excluded=[user2.connection_id])
    assert user1.stopped.wait(WAIT_S), "user's connection did not stop"
    expect_equal(svc.connection_exists(user2.connection_id), True, "excluded connection survives")
    expect_equal(other.stopped.is_set(), False, "unrelated connection still open")
    svc.close_all_connections(reason="all closed", excluded=[other.connection_id])
    assert user2.stopped.wait(WAIT_S), "close_all did not stop user2"
    assert "all closed" in str(user2.disconnected[0].message)
    expect_equal(svc.connection_exists(other.connection_id), True, "excluded from close_all")
    expect_equal(svc.user_exists("u"), False, "user u gone")


@group
def _errors():
    """server: errors surface as HttpResponseError"""
    bad = expect_http_error(
        lambda: service("1starts-with-digit").send_to_all("x", content_type="text/plain"), [400], "bad hub name"
    )
    assert str(bad), "error text is empty"
    wrong = CONNECTION_STRING.replace(CONNECTION_STRING.split("AccessKey=")[1].split(";")[0], "not-the-key")
    expect_http_error(
        lambda: service(hub_name("err"), wrong).send_to_all("x", content_type="text/plain"), [401], "wrong key"
    )
    svc = service(hub_name("err"))
    expect_http_error(lambda: svc.grant_permission("notAPermission", "c"), [400], "unknown permission")
    expect_http_error(lambda: svc.add_user_to_group("   ", "u"), [400], "whitespace-only group name")


# ---------------------------------------------------------------------------------------------
# Client SDK groups


@group
def _chat():
    """client: join, send_to_group (text/json/binary, no_echo), leave - exact order"""
    svc = service(hub_name("chat"))
    roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"]
    alice = Sdk(svc, user_id="alice", roles=roles)
    bob = Sdk(svc, user_id="bob", roles=roles)
    eve = Sdk(svc, user_id="eve", roles=roles)
    alice.client.join_group("chat")
    bob.client.join_group("chat")
    eve.client.join_group("elsewhere")
    alice.client.send_to_group("chat", "hi", WebPubSubDataType.TEXT)
    alice.client.send_to_group("chat", {"x": [1, "2"]}, WebPubSubDataType.JSON, no_echo=True)
    alice.client.send_to_group("chat", memoryview(b"\x09\x0a\x0b"), WebPubSubDataType.BINARY)
    bob.client.send_to_group("chat", "yo", WebPubSubDataType.TEXT, no_echo=True)
    bob.client.leave_group("chat")
    alice.client.send_to_group("chat", "after bob left", WebPubSubDataType.TEXT)
    for c in (alice, bob, eve):
        c.drain(svc)
    expect_until_sentinel(alice.received, ["text:hi", "binary:090a0b", "text:yo", "text:after bob left"], "alice")
    expect_until_sentinel(bob.received, ["text:hi", 'json:{"x":[1,"2"]}', "binary:090a0b"], "bob")
    expect_until_sentinel(eve.received, [], "eve")
    first = bob.group_messages[0]
    expect_equal((first.group, first.from_user_id), ("chat", "alice"), "group message fields")
    expect_equal(alice.group_messages[-2].from_user_id, "bob", "fromUserId of bob's message")


@group
def _roles():
    """client: token groups, scoped roles and denied requests"""
    svc = service(hub_name("roles"))
    scoped = Sdk(
        svc,
        user_id="scoped",
        groups=["lobby"],
        roles=["webpubsub.joinLeaveGroup.room", "webpubsub.sendToGroup.room"],
    )
    none = Sdk(svc, user_id="none")
    svc.send_to_group("lobby", "lobby msg", content_type="text/plain")
    scoped.client.join_group("room")
    scoped.client.send_to_group("room", "in room", WebPubSubDataType.TEXT)
    expect_send_error(lambda: scoped.client.join_group("other"), "join outside scope")
    expect_send_error(lambda: scoped.client.send_to_group("lobby", "no", WebPubSubDataType.TEXT), "send outside scope")
    denied = expect_send_error(lambda: none.client.join_group("room"), "join without roles")
    assert denied.error_detail is not None and denied.error_detail.name, f"ack error detail: {denied.error_detail!r}"
    scoped.drain(svc)
    none.drain(svc)
    expect_until_sentinel(scoped.received, ["text:lobby msg", "text:in room"], "scoped")
    expect_until_sentinel(none.received, [], "none")


@group
def _plain_and_raw():
    """client: json (non-reliable) protocol and a raw-protocol observer"""
    svc = service(hub_name("plain"))
    roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"]
    plain = Sdk(svc, protocol=WebPubSubProtocolType.JSON, user_id="plain", roles=roles)
    raw = Raw(svc.get_client_access_token(user_id="raw", groups=["mix"])["url"])
    plain.client.join_group("mix")
    plain.client.send_to_group("mix", "text to raw", WebPubSubDataType.TEXT, no_echo=True)
    plain.client.send_to_group("mix", {"j": True}, WebPubSubDataType.JSON, no_echo=True)
    plain.client.send_to_group("mix", memoryview(b"\x01"), WebPubSubDataType.BINARY, no_echo=True)
    svc.send_to_user("raw", SENTINEL, content_type="text/plain")
    wait_for(lambda: raw.frames[-1:] == [f"text:{SENTINEL}"], "raw sentinel")
    frames = list(raw.frames)
    expect_equal(frames[0], "text:text to raw", "raw text frame")
    expect_equal(json.loads(frames[1][len("text:") :]), {"j": True}, "raw JSON frame")
    expect_until_sentinel(frames[2:], ["binary:01"], "raw")
    plain.drain(svc)
    expect_until_sentinel(plain.received, [], "plain")


@group
def _list_connections():
    """server: list_connections with paging (api-version 2024-12-01)"""
    hub = hub_name("list")
    svc = service(hub)
    newer = WebPubSubServiceClient.from_connection_string(CONNECTION_STRING, hub=hub, retry_total=0)
    members = [Sdk(svc, user_id=f"m{i}", groups=["lg"]) for i in range(4)]
    anonymous = Sdk(svc, groups=["lg"])
    expected = sorted([(m.connection_id, f"m{i}") for i, m in enumerate(members)] + [(anonymous.connection_id, None)])
    listed = sorted((m.connection_id, m.user_id) for m in newer.list_connections(group="lg", maxpagesize=2))
    expect_equal(listed, expected, "all members across pages of 2")
    pages = list(newer.list_connections(group="lg", maxpagesize=2).by_page())
    expect_equal([len(p) for p in pages], [2, 2, 1], "page sizes")
    expect_equal(len(list(newer.list_connections(group="lg", top=3))), 3, "top=3")
    expect_equal(list(newer.list_connections(group="nobody")), [], "empty group")


@group
def _filters():
    """server: OData filters over groups, userId and connectionId"""
    svc = service(hub_name("filters"))
    a = Sdk(svc, user_id="alice", groups=["red", "blue"])
    b = Sdk(svc, user_id="bob", groups=["blue"])
    n = Sdk(svc)
    svc.send_to_all("red", content_type="text/plain", filter="'red' in groups")
    svc.send_to_all("not blue", content_type="text/plain", filter="not('blue' in groups)")
    svc.send_to_all("anon", content_type="text/plain", filter="userId eq null")
    svc.send_to_all("a or b", content_type="text/plain", filter=f"connectionId eq '{a.connection_id}' or userId eq 'bob'")
    svc.send_to_group("blue", "blue not bob", content_type="text/plain", filter="userId ne 'bob'")
    # Refused before the body is read, which makes the service close that keep-alive connection:
    # a client (connection pool) of its own keeps later requests off it.
    isolated = service(hub_name("filters"))
    expect_http_error(
        lambda: isolated.send_to_all("x", content_type="text/plain", filter="userId eq"), [400], "bad filter"
    )
    for c in (a, b, n):
        c.drain(svc)
    expect_until_sentinel(a.received, ["text:red", "text:a or b", "text:blue not bob"], "alice")
    expect_until_sentinel(b.received, ["text:a or b"], "bob")
    expect_until_sentinel(n.received, ["text:not blue", "text:anon"], "anonymous")


@group
def _token_checks():
    """server: client tokens are checked (audience, expiry)"""
    svc = service(hub_name("auth"))
    other = service(hub_name("authother"))
    base = svc.get_client_access_token(user_id="x")["baseUrl"]
    cases = [
        ("token for another hub", base + "?access_token=" + other.get_client_access_token(user_id="x")["token"]),
        ("expired token", svc.get_client_access_token(user_id="x", minutes_to_expire=-5)["url"]),
        ("no token", base),
    ]
    for what, url in cases:
        try:
            websocket.create_connection(url, timeout=WAIT_S).close()
        except websocket.WebSocketBadStatusException as err:
            expect_equal(err.status_code, 401, what)
            continue
        raise AssertionError(f"{what}: the upgrade was accepted")
    Raw(svc.get_client_access_token(user_id="x")["url"])


@group
def _recovery():
    """client: reliable recovery - socket cut mid-stream, every message once, in order"""
    svc = service(hub_name("recover"))
    c = Sdk(svc, user_id="rec")
    total = 200
    first_socket = c.client._ws
    for i in range(total):
        svc.send_to_connection(c.connection_id, f"m{i}", content_type="text/plain")
        if i == 80:
            wait_for(lambda: len(c.received) >= 40, "40 messages before the cut")
            # Cut the TCP connection without a close frame, as a network failure would; the
            # SDK then resumes with awps_connection_id / awps_reconnection_token.
            c.client._ws.sock.sock.shutdown(socket.SHUT_RDWR)
    c.drain(svc)
    expect_until_sentinel(c.received, [f"text:m{i}" for i in range(total)], "rec")
    expect_equal(len(c.connected), 1, "the connection resumed: one connected event")
    expect_equal(len(c.disconnected), 0, "the connection resumed: no disconnected event")
    expect_equal(c.client._ws is not first_socket, True, "a new socket carried the connection")


@group
def _send_event():
    """client: send_event is acknowledged (no upstream here)"""
    svc = service(hub_name("event"))
    c = Sdk(svc, user_id="e")
    c.client.send_event("hello", {"a": 1}, WebPubSubDataType.JSON)
    c.client.send_event("fire", "and forget", WebPubSubDataType.TEXT, ack=False)
    c.drain(svc)
    expect_until_sentinel(c.received, [], "e")


@group
def _payloads():
    """server: payloads - unicode, JSON strings, 512 KiB binary, over 1 MiB refused"""
    svc = service(hub_name("payload"))
    raw = Raw(svc.get_client_access_token(user_id="raw")["url"])
    sdk = Sdk(svc, user_id="sdk")
    big = bytes((i * 7) % 256 for i in range(512 * 1024))
    svc.send_to_all("héllo ✓ 🎉", content_type="text/plain")
    svc.send_to_all({"ü": "✓"})
    svc.send_to_all("a JSON string")
    svc.send_to_all(big, content_type="application/octet-stream")
    svc.send_to_all(SENTINEL, content_type="text/plain")
    wait_for(lambda: raw.frames[-1:] == [f"text:{SENTINEL}"], "raw sentinel")
    frames = list(raw.frames)
    expect_equal(frames[0], "text:héllo ✓ 🎉", "raw unicode text")
    expect_equal(json.loads(frames[1][len("text:") :]), {"ü": "✓"}, "raw unicode JSON")
    expect_equal(frames[2:], ['text:"a JSON string"', "binary:" + hexed(big), f"text:{SENTINEL}"], "raw rest")
    sdk.wait_sentinel()
    expect_until_sentinel(
        sdk.received,
        ["text:héllo ✓ 🎉", 'json:{"ü":"✓"}', 'json:"a JSON string"', "binary:" + hexed(big)],
        "sdk",
    )
    expect_http_error(
        lambda: svc.send_to_all(b"\0" * (1024 * 1024 + 1), content_type="application/octet-stream"),
        [413],
        "a body over 1 MiB",
    )


@group
def _hub_punctuation():
    """server: hub names with punctuation Azure allows (. , [ ])"""
    for hub in (f"h.{RUN}", f"h,[{RUN}]"):
        svc = service(hub)
        c = Sdk(svc, user_id="u")
        svc.send_to_user("u", f"to {hub}", content_type="text/plain")
        c.drain(svc)
        expect_until_sentinel(c.received, [f"text:to {hub}"], hub)


@group
def _generate_token():
    """server: :generateToken through the SDK's generated operation"""
    # With an AccessKey the public method signs locally; the generated method it overrides
    # calls the REST operation, so the service's own token endpoint is checked here.
    hub = hub_name("gentoken")
    svc = service(hub)
    minted = GeneratedOperations.get_client_access_token(
        svc,
        user_id="minted",
        roles=["webpubsub.joinLeaveGroup.room", "webpubsub.sendToGroup.room"],
        groups=["lobby"],
        minutes_to_expire=5,
    )
    payload = minted["token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    expect_equal(claims.get("sub"), "minted", "sub")
    expect_equal(claims.get("role"), ["webpubsub.joinLeaveGroup.room", "webpubsub.sendToGroup.room"], "role")
    groups = claims.get("webpubsub.group")
    expect_equal(groups if isinstance(groups, list) else [groups], ["lobby"], "webpubsub.group")
    assert 4 * 60 < claims["exp"] - claims["iat"] <= 5 * 60, f"expiry {claims['exp'] - claims['iat']}s"
    base = svc.get_client_access_token()["baseUrl"]
    raw = Raw(f"{base}?access_token={minted['token']}", "json.webpubsub.azure.v1")
    wait_for(lambda: raw.frames, "connected")
    expect_equal(raw.json_messages()[0].get("userId"), "minted", "connected userId")
    raw.ws.send(json.dumps({"type": "joinGroup", "group": "room", "ackId": 1}))
    raw.ws.send(json.dumps({"type": "joinGroup", "group": "elsewhere", "ackId": 2}))
    svc.send_to_group("lobby", "lobby", content_type="text/plain")
    wait_for(lambda: len(raw.frames) >= 4, lambda: f"two acks and a message, got {raw.frames}")
    acks = {m["ackId"]: m["success"] for m in raw.json_messages() if m["type"] == "ack"}
    expect_equal(acks, {1: True, 2: False}, "acks (role scoped to room)")
    expect_equal(
        [(m["group"], m["data"]) for m in raw.json_messages() if m["type"] == "message"],
        [("lobby", "lobby")],
        "group message",
    )


def main():
    if not CONNECTION_STRING:
        print("WEBPUBSUB_CONNECTION_STRING is not set", file=sys.stderr)
        return 2
    for fn in GROUPS:
        run_group(fn)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
