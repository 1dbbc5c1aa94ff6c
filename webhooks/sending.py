"""One POST to a webhook: to the address checked (never a second DNS answer), within TIMEOUT_SECONDS,
no redirects followed, at most MAX_RESPONSE_BODY characters of the answer read."""

import http.client
import socket
import ssl
from dataclasses import dataclass

from .addresses import Target
from .models import MAX_RESPONSE_BODY

TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: str


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the URL's host name for SNI and the certificate's check."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """Raises OSError (refused, timed out, TLS) or http.client.HTTPException (not HTTP)."""
    kind = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(MAX_RESPONSE_BODY * 4).decode("utf-8", "replace")[:MAX_RESPONSE_BODY]
        return Answer(response.status, text)
    finally:
        connection.close()
