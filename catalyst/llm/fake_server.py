"""A local stand-in for an OpenAI-compatible chat-completions service (tests and demonstration).

    python -m catalyst.llm.fake_server [--port 8080]

serves, on 127.0.0.1, the hand-written candidates of `catalyst.llm.canned` for the methods they
cover (it reads the method's name from the prompt's `# Method ...` line) and a polite refusal in
prose for every other method (which the pass rejects: no code). Point the pass at it with

    export CATALYST_LLM_URL=http://127.0.0.1:8080/v1 CATALYST_LLM_MODEL=fake

The candidates are not an LLM's work; they stand in for good answers so that the whole pipeline
(prompt, parsing, validation, timing, installation, cache) can be shown and tested end to end.

In tests, `FakeLLMServer(responder)` runs a real HTTP server on an ephemeral port in a thread;
a responder maps each request to a `Reply` (status, chat content or raw body, delay), and
`FakeLLMServer.scripted([...])` answers a fixed sequence. `requests` records what was received
(headers and JSON body).
"""
from __future__ import annotations

import argparse
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    raw: str | None = None            # a body sent as it is instead of a chat completion
    delay: float = 0.0                # seconds to wait before answering (a slow service)
    headers: dict = field(default_factory=dict)


def chat_body(content: str) -> str:
    return json.dumps({"id": "fake", "object": "chat.completion", "model": "fake",
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": content}}]})


def method_name(request: dict) -> str:
    """The `# Method Class>>selector` line of the request's user message, or ''."""
    for msg in request.get("messages", []):
        m = re.search(r"^# Method (\S+)", str(msg.get("content", "")), re.M)
        if m:
            return m.group(1)
    return ""


def canned_responder(request: dict, headers: dict) -> Reply:
    from catalyst.llm.canned import candidate_for
    name = method_name(request)
    func = candidate_for(name, request)
    if func is None:
        return Reply(f"I have no faster translation of {name or 'this method'} to offer.")
    return Reply(f"Here is a faster translation of {name}:\n\n```wat\n{func}\n```\n")


class FakeLLMServer:
    def __init__(self, responder=canned_responder, host: str = "127.0.0.1", port: int = 0):
        self.responder = responder
        self.requests: list[tuple[dict, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                headers = {k: v for k, v in self.headers.items()}
                server.requests.append((headers, body))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    reply = Reply(status=404, raw='{"error": "unknown path"}')
                else:
                    reply = server.responder(body, headers)
                if reply.delay:
                    time.sleep(reply.delay)
                data = (reply.raw if reply.raw is not None else
                        chat_body(reply.content) if reply.status == 200 else
                        json.dumps({"error": {"message": reply.content or "error"}})).encode()
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass           # the client gave up waiting (a timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = None

    @classmethod
    def scripted(cls, replies, only: str | None = None) -> "FakeLLMServer":
        """Answer the given replies (Reply or chat content) in order, then HTTP 500; with
        `only`, requests about other methods get a refusal in prose instead."""
        queue = [r if isinstance(r, Reply) else Reply(r) for r in replies]

        def respond(body, headers):
            if only is not None and method_name(body) != only:
                return Reply(f"I have no faster translation of {method_name(body)} to offer.")
            return queue.pop(0) if queue else Reply("no more answers", 500)
        return cls(respond)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> str:
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self.url

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m catalyst.llm.fake_server",
                                 description="a local fake LLM service with canned candidates")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args(argv)
    srv = FakeLLMServer(host=args.host, port=args.port)
    print(f"fake LLM service on {srv.url} (canned candidates from catalyst.llm.canned); "
          f"export CATALYST_LLM_URL={srv.url} CATALYST_LLM_MODEL=fake", flush=True)
    try:
        srv.httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
