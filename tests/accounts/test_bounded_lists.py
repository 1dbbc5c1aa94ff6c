"""Lists a user can grow stay bounded on their pages: pending invitations (the newest 10, and a word that
older ones wait), CLI sessions (pages of 10)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CliSession
from federations import services

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_newest_invitations_are_listed_and_the_rest_counted(client, invitee):
    for number in range(25):
        owner = UserFactory(username=f"owner{number}")
        federation = FederationFactory(owner=owner, name=f"lab{number}")
        services.invite(federation=federation, inviter=owner, username=invitee.username)
    client.force_login(invitee)
    profile = " ".join(client.get(reverse("profile")).text.split())
    assert profile.count('aria-label="Accept invitation to') == 10
    assert "@owner24/lab24" in profile
    assert "@owner0/lab0" not in profile
    assert "These are your 10 newest invitations: accept or decline them and older ones appear here." in profile
    assert "25 pending invitations" in profile  # the header counts them all
    dashboard = " ".join(client.get(reverse("federations:dashboard")).text.split())
    assert dashboard.count('aria-label="Accept invitation to') == 10
    assert "Older invitations appear here once you have answered these." in dashboard
    assert "25 pending invitations" in dashboard  # the header's count is of all of them


def test_cli_sessions_come_in_pages(client, user):
    now = timezone.now()
    for number in range(25):
        CliSession.objects.create(
            user=user,
            access_token_hash=f"a{number}",
            refresh_token_hash=f"r{number}",
            access_expires_at=now + timedelta(hours=1),
            refresh_expires_at=now + timedelta(days=30),
            last_used_at=now - timedelta(minutes=number),
        )
    client.force_login(user)
    first = client.get(reverse("profile")).text
    assert first.count("Revoke CLI session from") == 10
    assert 'href="?sessions=2"' in first
    second = client.get(reverse("profile"), {"sessions": 2}).text
    assert second.count("Revoke CLI session from") == 10
    assert 'href="?sessions=3"' in second
    assert client.get(reverse("profile"), {"sessions": 3}).text.count("Revoke CLI session from") == 5
