"""The signature on every delivery (docs/webhooks.md has the receiver's side).

``X-SuperGrid-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>``.
The timestamp is inside what is signed, so a receiver that refuses signatures older than
REPLAY_WINDOW_SECONDS cannot be fed an old delivery again.
"""

import hashlib
import hmac
import time

REPLAY_WINDOW_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, now: float | None = None) -> bool:
    """The receiver's check, as documented: a v1 signature matches and its timestamp is recent."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > REPLAY_WINDOW_SECONDS:
        return False
    expected = signature(secret, body, timestamp).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))
