"""One Python client SDK round trip through an upstream event handler (run by
interop/node/upstream.mjs, whose @azure/web-pubsub-express app authenticates in `connect` and
answers user events).

Usage: python3 upstream_client.py CLIENT_ACCESS_URL
Connects with azure-messaging-webpubsubclient, sends the event `shout` and prints one JSON line
``{"userId": ..., "answer": ...}``; exits non-zero when anything fails or times out.
"""

import json
import logging
import sys
import threading

from azure.messaging.webpubsubclient import WebPubSubClient
from azure.messaging.webpubsubclient.models import CallbackType, WebPubSubDataType

logging.getLogger("azure.messaging.webpubsubclient").setLevel(logging.ERROR)
WAIT_S = 10.0


def main(url):
    connected = []
    answers = []
    got_connected = threading.Event()
    got_answer = threading.Event()

    def on_connected(e):
        connected.append(e)
        got_connected.set()

    def on_server(e):
        answers.append(e.data)
        got_answer.set()

    # Short timeouts: the SDK can miss a fast answer and sleep its whole timeout (see interop.py).
    client = WebPubSubClient(url, message_retry_total=0, start_timeout=5.0, ack_timeout=5.0)
    client.subscribe(CallbackType.CONNECTED, on_connected)
    client.subscribe(CallbackType.SERVER_MESSAGE, on_server)
    client.open()
    try:
        if not got_connected.wait(WAIT_S):
            raise TimeoutError("no connected event")
        client.send_event("shout", "from python", WebPubSubDataType.TEXT)
        if not got_answer.wait(WAIT_S):
            raise TimeoutError("no answer to the event")
        print(json.dumps({"userId": connected[0].user_id, "answer": answers[0]}))
    finally:
        client.close()


if __name__ == "__main__":
    main(sys.argv[1])
