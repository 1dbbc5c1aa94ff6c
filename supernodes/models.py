from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from federations.models import Federation


class FederationNode(models.Model):
    """A SuperNode (registered in the SuperLink) that takes part in a deployment federation.

    Moved here from ``federations`` (state only, then the table renamed); its constraint and index names
    still say where it was born.
    """

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="nodes")
    # Flower node ids are unsigned 64-bit integers; kept as their decimal text.
    node_id = models.CharField(max_length=20)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="federation_nodes")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "node_id"], name="federations_node_once_per_federation"),
            models.CheckConstraint(condition=Q(node_id__regex=r"^[0-9]{1,20}$"), name="federations_node_id_digits"),
        ]
        # A SuperNode's federations, when it is unregistered or its owner leaves.
        indexes = [models.Index(fields=["node_id"], name="federations_node_by_id")]

    def __str__(self) -> str:
        return f"SuperNode {self.node_id} in {self.federation}"


class NodeTrust(models.Model):
    """Whose app reviews a SuperNode trusts: its owner's choice, which becomes the trusted-entities file
    (`flower-supernode --trusted-entities`) of the accounts' signing keys. No row: the node runs any app."""

    node_id = models.CharField(max_length=20, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    trusted = models.CharField(max_length=400, blank=True)  # usernames, space-separated
    downloaded_digest = models.CharField(max_length=64, blank=True)  # sha256 of the file as last downloaded
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(node_id__regex=r"^[0-9]{1,20}$"), name="supernodes_trust_node_id_digits")
        ]

    def __str__(self) -> str:
        return f"SuperNode {self.node_id} trusts {self.trusted or 'nobody'}"

    @property
    def names(self) -> list[str]:
        return self.trusted.split()
