"""Template helpers for federation pages (used by the federations, runs and supernodes templates)."""

from django import template
from django.urls import reverse

from ..rules import Permissions

register = template.Library()


@register.filter
def permissions(membership) -> Permissions:
    """``{% with can=membership|permissions %}…{% if can.archive %}`` for rows of the dashboard."""
    return Permissions(membership.federation, membership)


@register.simple_tag
def fedurl(view_name: str, federation, **kwargs) -> str:
    """``{% fedurl 'runs:run' federation run_id=7 %}``: a URL under ``/@owner/name/``."""
    return reverse(view_name, kwargs={**federation.url_kwargs(), **kwargs})
