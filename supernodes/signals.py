"""Keep the SuperLink's in-memory node directory in step with changes committed in this process."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from superlink.node_directory import node_directory

from .models import FederationNode


@receiver([post_save, post_delete], sender=FederationNode)
def node_membership_changed(**kwargs):
    transaction.on_commit(node_directory.invalidate)
