"""Who reads which language: the profile's choice, else the footer's switcher (a cookie), else the
browser's Accept-Language, else English; emails and the CLI's refusals in the recipient's language."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from flwr.supercore.error import FlowerError

from federations import services
from supergrid.templatetags.timing import ago
from supergrid.web import Moment
from superlink import federation_manager
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def korean(english: str) -> str:
    """The catalogue's Korean for an English message; fails when there is none."""
    with translation.override("ko"):
        words = gettext(english)
    assert words != english, f"no Korean for {english!r}"
    return words


def lang_of(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_browser_language_picks_the_page_language(client):
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")) == "ko"
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert lang_of(english) == "en"
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR")) == "en"  # not offered: English
    korean_page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ko")
    assert korean_page["Content-Language"] == "ko"
    assert korean("Language") in korean_page.content.decode()


def test_the_profiles_choice_wins_over_the_browser(client, user):
    client.force_login(user)
    user.language = "ko"
    user.save()
    assert lang_of(client.get("/federations/", HTTP_ACCEPT_LANGUAGE="en")) == "ko"
    user.language = "en"
    user.save()
    assert lang_of(client.get("/federations/", HTTP_ACCEPT_LANGUAGE="ko")) == "en"
    user.language = ""  # the browser's
    user.save()
    assert lang_of(client.get("/federations/", HTTP_ACCEPT_LANGUAGE="ko")) == "ko"


def test_the_footer_switcher_works_without_javascript(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'action="/language/"' in page
    assert 'name="next" value="/accounts/login/"' in page
    response = client.post("/language/", {"language": "ko", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["django_language"].value == "ko"
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")) == "ko"
    # Never a redirect elsewhere.
    offsite = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert offsite["Location"] == "/"


def test_the_footer_switcher_saves_a_signed_in_persons_choice(client, user):
    client.force_login(user)
    client.post("/language/", {"language": "ko", "next": "/profile/"})
    user.refresh_from_db()
    assert user.language == "ko"
    client.post("/language/", {"language": "xx", "next": "/profile/"})
    user.refresh_from_db()
    assert user.language == "ko"  # not a language offered: nothing changes


def test_the_profile_saves_the_language_and_answers_in_it(client, user):
    client.force_login(user)
    response = client.post("/profile/language/", {"language": "ko"}, follow=True)
    user.refresh_from_db()
    assert user.language == "ko"
    page = response.content.decode()
    assert korean("Language saved.") in page
    assert '<option value="ko" lang="ko" selected>' in page
    client.post("/profile/language/", {"language": ""})
    user.refresh_from_db()
    assert user.language == ""
    refused = client.post("/profile/language/", {"language": "fr"}, follow=True)
    user.refresh_from_db()
    assert user.language == ""
    assert "Choose one of the languages offered." in refused.content.decode()


def test_the_database_keeps_only_languages_offered(user):
    user.language = "fr"
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save(update_fields=["language"])


def test_the_invitation_email_is_in_the_invitees_language(owner, mailoutbox, django_capture_on_commit_callbacks):
    federation = FederationFactory(owner=owner, name="lab")
    UserFactory(username="minji", email="minji@example.com", language="ko")
    UserFactory(username="ivy", email="ivy@example.com", language="")
    owner.language = "ko"  # the sender's language never decides the recipient's
    owner.save()
    with translation.override("ko"), django_capture_on_commit_callbacks(execute=True):
        services.invite(federation=federation, inviter=owner, username="minji")
        services.invite(federation=federation, inviter=owner, username="ivy")
    to_minji, to_ivy = mailoutbox
    assert to_minji.to == ["minji@example.com"]
    assert "@olivia/lab" in to_minji.subject
    assert "invited you" not in to_minji.subject
    assert any("\uac00" <= char <= "\ud7a3" for char in to_minji.subject + to_minji.body)  # Hangul
    assert "invited you to @olivia/lab" in to_ivy.subject
    assert not any("\uac00" <= char <= "\ud7a3" for char in to_ivy.subject + to_ivy.body)


def test_relative_times_and_dates_in_korean():
    now = timezone.now()
    with translation.override("ko"):
        assert ago(now - timedelta(minutes=3), now) == "3분 전"
        assert ago(now - timedelta(seconds=5), now) == "방금"
        assert ago(now - timedelta(days=1), now) == "1일 전"
        moment = Moment.of(timezone.datetime(2026, 12, 1, 14, 5, tzinfo=timezone.UTC))
        assert moment.day == "2026년 12월 1일"
        assert moment.minute == "2026년 12월 1일 14:05"
    with translation.override("en"):
        assert ago(now - timedelta(minutes=1), now) == "1 minute ago"
        assert ago(now - timedelta(minutes=3), now) == "3 minutes ago"
        assert Moment.of(timezone.datetime(2026, 12, 1, 14, 5, tzinfo=timezone.UTC)).minute == "1 Dec 2026, 14:05"


def test_the_superlink_refuses_in_the_askers_language(owner, member):
    """What `flwr federation invite` prints comes from the manager's FlowerError."""
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    manager = PortalFederationManager(directory=NodeDirectory(interval=60))
    federation_manager.LANGUAGES.clear()
    member.language = "ko"
    member.save()
    with pytest.raises(FlowerError) as refused:
        manager.create_invitation(member.flwr_aid, federation.handle, "ivy")
    assert refused.value.public_details == korean("Only the owner can invite users or revoke invitations.")
    owner.language = "en"
    owner.save()
    with pytest.raises(FlowerError) as refused:
        manager.remove_account(owner.flwr_aid, federation.handle, owner.username)
    assert refused.value.public_details == "The owner cannot leave the federation; archive it instead."
    # A changed preference reaches the SuperLink within its 10 s: read again once the entry is old.
    member.language = "en"
    member.save()
    federation_manager.LANGUAGES[member.flwr_aid] = (0.0, "ko")
    with pytest.raises(FlowerError) as refused:
        manager.create_invitation(member.flwr_aid, federation.handle, "ivy")
    assert refused.value.public_details == "Only the owner can invite users or revoke invitations."
