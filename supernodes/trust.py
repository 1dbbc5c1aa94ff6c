"""Whose app reviews a SuperNode trusts, and the trusted-entities file `flower-supernode` reads.

The file maps each trusted account's signing keys in use (``SHA256:…`` → ``ssh-ed25519 …``). flwr 1.42
turns checking *off* for an empty file, so a node whose trusted accounts have no key yet is offered no
file at all. The file is a snapshot: its digest at download is kept, and the page says when keys changed
since (the node must be restarted with a new file).
"""

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import SigningKey, User
from federations.extensions import extensions

from .models import FederationNode, NodeTrust

MAX_TRUSTED = 10
FILE_NAME = "trusted-entities.yaml"


class TrustError(ValueError):
    """A refused choice or download, with words."""


def all_of(names: list[str]) -> str:
    """``@ada, @bob``."""
    return ", ".join(f"@{name}" for name in names)


def either(names: list[str]) -> str:
    """``@ada or @bob or @cy``, in the reader's language."""
    said = ""
    for name in names:
        said = _("%(either)s or %(other)s") % {"either": said, "other": f"@{name}"} if said else f"@{name}"
    return said


@dataclass(frozen=True)
class Trust:
    """A node's trust as its page shows it."""

    names: list[str]
    content: str  # the file; empty when there is nothing to trust yet
    stale: bool  # keys changed since the file was downloaded

    @property
    def ready(self) -> bool:
        return bool(self.content)

    @property
    def who(self) -> str:
        """Whose reviews the node trusts, as a sentence names them."""
        return either(self.names)


def file_content(names: list[str], node_id: int) -> str:
    """The YAML (quoted keys and values: a fingerprint has a colon), or "" when no trusted key exists."""
    keys = (
        SigningKey.objects.filter(user__username__in=names, removed_at__isnull=True)
        .select_related("user")
        .order_by("user__username", "created_at", "id")
    )
    lines = [f'"{key.key_id}": "{key.public_key}"  # @{key.user.username}, {key.name}' for key in keys]
    if not lines:
        return ""
    who = ", ".join(f"@{name}" for name in names)
    header = f"# SuperNode {node_id} runs apps reviewed by {who} (flower-supernode --trusted-entities {FILE_NAME})"
    return "\n".join([header, *lines]) + "\n"


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def trust_of(node_id: int, stored: NodeTrust | None) -> Trust | None:
    if stored is None or not stored.names:
        return None
    content = file_content(stored.names, node_id)
    stale = bool(stored.downloaded_digest) and bool(content) and stored.downloaded_digest != digest(content)
    return Trust(names=stored.names, content=content, stale=stale)


def trusts(node_ids: list[int]) -> dict[int, Trust | None]:
    stored = {int(row.node_id): row for row in NodeTrust.objects.filter(node_id__in=[str(n) for n in node_ids])}
    return {node_id: trust_of(node_id, stored.get(node_id)) for node_id in node_ids}


def set_trust(*, owner: User, node_id: int, text: str) -> list[str]:
    """The owner chooses whose reviews the node trusts (nobody: it runs any app, as before)."""
    try:
        names = account_services.usernames(text, limit=MAX_TRUSTED)
    except ValueError as error:
        raise TrustError(str(error)) from None
    with transaction.atomic():
        NodeTrust.objects.update_or_create(
            node_id=str(node_id),
            defaults={"owner": owner, "trusted": " ".join(names), "updated_at": timezone.now()},
        )
    return names


def download(*, owner: User, node_id: int) -> str:
    """The file, remembered as downloaded; refused while it would be empty (checking off)."""
    stored = NodeTrust.objects.filter(node_id=str(node_id), owner=owner).first()
    trust = trust_of(node_id, stored)
    if trust is None:
        raise TrustError(_("Choose whose reviews this SuperNode trusts first."))
    if not trust.ready:
        raise TrustError(
            _(
                "None of %(who)s has a signing key yet, and an empty file would turn checking off: ask them to add "
                "one on their profile."
            )
            % {"who": all_of(trust.names)}
        )
    assert stored is not None
    stored.downloaded_digest = digest(trust.content)
    stored.save(update_fields=["downloaded_digest"])
    return trust.content


def refusing_nodes_note(federation, run) -> list[str]:
    """The run page's sentences: this federation's SuperNodes that run only apps reviewed by accounts none
    of whose keys reviewed this run's FAB (they answer its messages with FAB_VERIFICATION_ERROR)."""
    if federation.is_simulation:
        return []
    links = dict(FederationNode.objects.filter(federation_id=federation.pk).values_list("node_id", "owner__username"))
    choices = NodeTrust.objects.filter(node_id__in=list(links)).exclude(trusted="")
    if not choices:
        return []
    reviewed = extensions.fab_reviewers(run.fab_hash)
    notes = []
    for choice in choices:
        keys = set(
            SigningKey.objects.filter(user__username__in=choice.names, removed_at__isnull=True).values_list(
                "key_id", flat=True
            )
        )
        if keys and not keys & reviewed:
            notes.append(
                _(
                    "SuperNode %(node_id)s (%(owner)s's) runs only apps reviewed by %(who)s, and this run's app has "
                    "no such review: it refuses the run (FAB_VERIFICATION_ERROR). Ask %(who)s to review the app's "
                    "version with flwr app review, then launch it again."
                )
                % {"node_id": choice.node_id, "owner": links[choice.node_id], "who": either(choice.names)}
            )
    return notes
