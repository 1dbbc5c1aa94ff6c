"""A webhook receiver for the tests, run as a subprocess: python receiver.py <folder>.

It prints its port, then for every POST appends one JSON line to <folder>/received.jsonl: the event id,
the event, the Host header, the body, and whether the signature verifies with the recipe of
docs/webhooks.md (written out here again, as a receiver would)
with the secret in <folder>/secret. It answers with the statuses listed in
<folder>/answers (one per line, used up in order; 200 once none is left) and, while <folder>/hold
exists, holds its answer (after logging the request, with a line {"holding": true}).
"""

import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FOLDER = Path(sys.argv[1])
REPLAY_WINDOW = 300


def verified(body: bytes, header: str) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = fields.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > REPLAY_WINDOW:
        return False
    secret = (FOLDER / "secret").read_text().strip() if (FOLDER / "secret").exists() else ""
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def log(entry: dict) -> None:
    with (FOLDER / "received.jsonl").open("a") as out:
        out.write(json.dumps(entry) + "\n")


def next_answer() -> int:
    answers = FOLDER / "answers"
    lines = answers.read_text().split() if answers.exists() else []
    if not lines:
        return 200
    answers.write_text("\n".join(lines[1:]))
    return int(lines[0])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        log(
            {
                "event_id": self.headers.get("X-SuperGrid-Event-Id"),
                "event": self.headers.get("X-SuperGrid-Event"),
                "host": self.headers.get("Host"),
                "verified": verified(body, self.headers.get("X-SuperGrid-Signature", "")),
                "body": json.loads(body),
            }
        )
        if (FOLDER / "hold").exists():
            log({"holding": True})
            while (FOLDER / "hold").exists():
                time.sleep(0.1)
        status = next_answer()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x" * 3000 if status >= 500 else b"thanks")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
