"""``/v1/responses`` over real HTTP: the app served by uvicorn on a loopback port, driven by the sync ``openai``
SDK (streams arrive as the server writes them, not buffered by an in-process transport)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import openai
import pytest
import uvicorn
from gateway_helpers import ALICE, make_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def client() -> Iterator[openai.OpenAI]:
    server = uvicorn.Server(uvicorn.Config(make_app(), host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=ALICE, max_retries=0)
    finally:
        server.should_exit = True
        thread.join(10)


def test_create_stream_continue_retrieve_delete(client: openai.OpenAI) -> None:
    first = client.responses.create(model="mock/echo", input="First words")
    assert "First words" in first.output_text
    with client.responses.stream(model="mock/echo", input="Second words", previous_response_id=first.id) as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text and "Second words" in final.output_text
    assert final.previous_response_id == first.id
    assert client.responses.retrieve(final.id).output_text == final.output_text
    client.responses.delete(final.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(final.id)
