"""Where a webhook may send (SSRF): checked when the owner saves it and again at every delivery.

A URL is ``https`` (``http`` too where WEBHOOKS_ALLOW_HTTP is on, as in development), carries no user
or password, and its host resolves only to public addresses: never loopback, link-local (cloud metadata
at 169.254.169.254), private, shared, reserved or multicast ones, unless the operator lists the network
in WEBHOOKS_ALLOWED_NETWORKS. A delivery resolves the host once, checks that address and connects to
it (``sending.post``), so a DNS answer that changes between the check and the connection (rebinding)
cannot send it elsewhere.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (the Host header, TLS's server name)
    port: int
    path: str  # with its query
    address: str  # the one address connected to


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOKS_ALLOWED_NETWORKS]


# Why a host is refused, by the kind of address it resolves to: one whole sentence each.
REFUSALS = {
    "loopback": gettext_lazy(
        "%(host)s resolves to a loopback address (%(address)s); webhooks go to public addresses only."
    ),
    "link-local": gettext_lazy(
        "%(host)s resolves to a link-local address (%(address)s); webhooks go to public addresses only."
    ),
    "reserved": gettext_lazy(
        "%(host)s resolves to a reserved address (%(address)s); webhooks go to public addresses only."
    ),
    "private": gettext_lazy(
        "%(host)s resolves to a private address (%(address)s); webhooks go to public addresses only."
    ),
}


def refusal(address: IPAddress) -> str | None:
    """Why a delivery may not go to this address (a key of REFUSALS), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed_networks()):
        return None
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "private"
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise AddressRefused(_("Enter a valid URL.")) from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if scheme not in allowed:
        raise AddressRefused(
            _("Webhook URLs must start with https://.") if scheme == "http" else _("Enter an https:// URL.")
        )
    if not parts.hostname:
        raise AddressRefused(_("Enter a URL with a host name."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("Leave the user name and password out of the URL; the signature proves the sender."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """The URL checked, with the one address to connect to; AddressRefused says why not."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(_("The host %(host)s could not be found.") % {"host": host}) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:  # every answer, so no round-robin entry points inside
        reason = refusal(address)
        if reason is not None:
            raise AddressRefused(str(REFUSALS[reason]) % {"host": host, "address": address})
    return Target(scheme, host, port, path, str(addresses[0]))
