"""Lists a user can grow stay bounded on their pages: pending invitations (the newest 10, and a word that
older ones wait), CLI sessions (pages of 10)."""

import re
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


def test_cli_sessions_most_recently_used_first_never_used_last(client, user):
    now = timezone.now()

    def session(name: str, signed_in: timedelta, used: timedelta | None, **ended):
        return CliSession.objects.create(
            user=user,
            access_token_hash=f"a-{name}",
            refresh_token_hash=f"r-{name}",
            created_at=now - signed_in,
            access_expires_at=now + timedelta(hours=1),
            refresh_expires_at=ended.get("refresh_expires_at", now + timedelta(days=30)),
            last_used_at=None if used is None else now - used,
            revoked_at=ended.get("revoked_at"),
        )

    old_never_used = session("old-never-used", timedelta(days=9), None)
    new_never_used = session("new-never-used", timedelta(days=1), None)
    used_yesterday = session("used-yesterday", timedelta(days=8), timedelta(days=1))
    used_just_now = session("used-just-now", timedelta(days=7), timedelta(seconds=5))
    session("revoked", timedelta(days=2), timedelta(seconds=1), revoked_at=now)
    session("lapsed", timedelta(days=40), timedelta(seconds=2), refresh_expires_at=now - timedelta(minutes=1))
    client.force_login(user)
    page = client.get(reverse("profile")).text
    revoke_urls = re.findall(r'action="(/profile/cli-sessions/\d+/revoke/)"', page)
    shown = [used_just_now, used_yesterday, new_never_used, old_never_used]
    assert revoke_urls == [reverse("revoke_cli_session", args=[session.pk]) for session in shown]
    last_used = re.findall(r"<tr>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>([^<]*)</td>", page)
    assert last_used == ["just now", "1 day ago", "never", "never"]
