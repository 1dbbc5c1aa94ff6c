"""Abuse and careless input on federations: invitation rate limits, text limits on names and descriptions,
and invitation emails that go only where they should."""

import pytest

from federations import services

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_invitation_attempts_to_unknown_usernames_count_toward_the_rate_limit(settings, owner):
    settings.INVITATION_RATE_LIMIT = "3/h"
    federation = FederationFactory(owner=owner)
    UserFactory(username="real")
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        with pytest.raises(services.FederationError, match="There is no account"):
            services.invite(federation=federation, inviter=owner, username=name)
    with pytest.raises(services.FederationError, match="too quickly"):
        services.invite(federation=federation, inviter=owner, username="real")


def test_line_breaks_and_tabs_are_fine_in_descriptions(owner):
    federation = services.create_federation(owner=owner, name="lab", kind="simulation", description="a\n\tb")
    assert federation.description == "a\n\tb"


def test_nul_and_control_characters_in_names_are_not_found_never_a_500(client, owner, member):
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    for name in ("ivy\x00", "ivy\x1b"):
        with pytest.raises(services.FederationError, match="There is no account"):
            services.invite(federation=federation, inviter=owner, username=name)
    client.force_login(member)
    assert client.get("/@olivia%00/lab/").status_code == 404
    assert client.get("/@olivia/lab%00/").status_code == 404


def test_invitation_emails_link_to_the_portal_and_reach_only_verified_addresses(
    settings, owner, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_URL = "https://grid.example.org"
    federation = FederationFactory(owner=owner)
    verified, unverified = UserFactory(username="ivy"), UserFactory(username="una", verified_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(federation=federation, inviter=owner, username="ivy")
        services.invite(federation=federation, inviter=owner, username="una")
    assert [mail.to for mail in mailoutbox] == [[verified.email]]
    assert "https://grid.example.org/profile/" in mailoutbox[0].body
    assert unverified.email not in str([mail.to for mail in mailoutbox])
