import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from federations import services
from federations.models import Invitation, Membership

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def furl(federation, view, **kwargs):
    return reverse(f"federations:{view}", kwargs={**federation.url_kwargs(), **kwargs})


@pytest.fixture
def invitation(federation, invitee):
    return services.invite(federation=federation, inviter=federation.owner, username=invitee.username)


def state():
    return (
        list(Invitation.objects.order_by("pk").values_list("status", flat=True)),
        sorted(Membership.objects.values_list("federation_id", "user_id")),
    )


# Access matrix ------------------------------------------------------------------------------------------------


def federation_urls(federation, invitation):
    return {
        "invite": (furl(federation, "invite"), {"username": "ivy"}),
        "revoke": (furl(federation, "revoke_invitation", invitation_id=invitation.pk), {}),
        "remove": (furl(federation, "remove_member", username="max"), {}),
        "leave": (furl(federation, "leave"), {}),
    }


@pytest.mark.parametrize("name", ["invite", "revoke", "remove", "leave"])
def test_anonymous_is_sent_to_sign_in(client, federation, invitation, name):
    path, data = federation_urls(federation, invitation)[name]
    before = state()
    response = client.post(path, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert state() == before


@pytest.mark.parametrize("name", ["invite", "revoke", "remove", "leave"])
@pytest.mark.parametrize("who", ["outsider", "invitee"])
def test_non_members_get_404(client, request, federation, invitation, name, who):
    client.force_login(request.getfixturevalue(who))
    path, data = federation_urls(federation, invitation)[name]
    before = state()
    assert client.post(path, data).status_code == 404
    if name != "revoke":
        assert client.get(path).status_code == 404
    assert state() == before


@pytest.mark.parametrize("name", ["invite", "revoke", "remove"])
def test_members_get_403_for_owner_actions(client, federation, invitation, member, name):
    client.force_login(member)
    path, data = federation_urls(federation, invitation)[name]
    before = state()
    response = client.post(path, data)
    assertContains(response, "Only the owner", status_code=403)
    assert state() == before


def test_owner_gets_403_for_leave(client, federation, owner):
    client.force_login(owner)
    assertContains(client.get(furl(federation, "leave")), "owner cannot leave", status_code=403)
    assertContains(client.post(furl(federation, "leave")), "owner cannot leave", status_code=403)
    assert Membership.objects.filter(federation=federation, user=owner).exists()


def test_owner_cannot_remove_the_owner(client, federation, owner):
    client.force_login(owner)
    assert client.get(furl(federation, "remove_member", username="olivia")).status_code == 403
    assertContains(
        client.post(furl(federation, "remove_member", username="olivia")), "cannot be removed", status_code=403
    )


@pytest.mark.parametrize("name", ["invite", "remove", "leave"])
def test_archived_federation_refuses_member_changes(client, owner, member, name):
    federation = FederationFactory(owner=owner, name="gone", members=[member], archived=True)
    UserFactory(username="ivy")
    client.force_login(member if name == "leave" else owner)
    path, data = {
        "invite": (furl(federation, "invite"), {"username": "ivy"}),
        "remove": (furl(federation, "remove_member", username="max"), {}),
        "leave": (furl(federation, "leave"), {}),
    }[name]
    before = state()
    assertContains(client.post(path, data), "archived", status_code=403)
    assert state() == before


def test_revoke_is_post_only(client, federation, invitation, owner):
    client.force_login(owner)
    assert client.get(furl(federation, "revoke_invitation", invitation_id=invitation.pk)).status_code == 405


def test_revoke_of_another_federations_invitation_is_404(client, federation, invitation, outsider):
    other = FederationFactory(owner=outsider)
    client.force_login(outsider)
    assert client.post(furl(other, "revoke_invitation", invitation_id=invitation.pk)).status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


# Owner flows --------------------------------------------------------------------------------------------------


def test_members_tab_lists_owner_first_members_and_pending(client, federation, invitation, owner):
    client.force_login(owner)
    body = client.get(furl(federation, "members")).content.decode()
    assert body.index("olivia") < body.index("max") < body.index("ivy")
    assert "Pending" in body
    assert 'aria-label="Revoke invitation for ivy"' in body
    assert "Remove max" in body
    assert "Invite User" in body


def test_member_sees_leave_but_no_owner_controls(client, federation, invitation, member):
    client.force_login(member)
    response = client.get(furl(federation, "members"))
    assertContains(response, "Leave federation")
    assertContains(response, "Pending")
    assertNotContains(response, "Invite User")
    assertNotContains(response, "Revoke invitation")
    assertNotContains(response, "Remove olivia")


def test_invite_user_opens_the_form_with_and_without_htmx(client, federation, owner):
    client.force_login(owner)
    page = client.get(furl(federation, "invite"))
    assertContains(page, "Send Invitation")
    assertContains(page, "<html")
    partial = client.get(furl(federation, "invite"), headers={"HX-Request": "true", "HX-Target": "members-section"})
    assertContains(partial, "Send Invitation")
    assertNotContains(partial, "<html")


def test_send_invitation_without_javascript(client, federation, owner, invitee, mailoutbox):
    client.force_login(owner)
    response = client.post(furl(federation, "invite"), {"username": " IVY "})
    assertRedirects(response, furl(federation, "members"), fetch_redirect_response=False)
    assert Invitation.objects.get().invitee == invitee
    assertContains(client.get(furl(federation, "members")), "Invitation sent to ivy.")


def test_send_invitation_with_htmx_updates_the_list_in_place(client, federation, owner, invitee):
    client.force_login(owner)
    response = client.post(
        furl(federation, "invite"), {"username": "ivy"}, headers={"HX-Request": "true", "HX-Target": "members-section"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="members-section">')
    assert "Revoke invitation for ivy" in body
    assert "Invitation sent to ivy." in body


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("nobody", "There is no account with the username"),
        ("olivia", "You cannot invite yourself."),
        ("max", "max is already a member."),
        ("", "This field is required."),
    ],
)
def test_invite_errors_show_next_to_the_field(client, federation, owner, typed, message):
    client.force_login(owner)
    response = client.post(furl(federation, "invite"), {"username": typed})
    assert response.status_code == 422
    assertContains(response, 'id="id_username_error"', status_code=422)
    assertContains(response, message, status_code=422)
    assert not Invitation.objects.exists()


def test_duplicate_invite_error(client, federation, invitation, owner):
    client.force_login(owner)
    response = client.post(furl(federation, "invite"), {"username": "Ivy"})
    assertContains(response, "ivy already has a pending invitation.", status_code=422)
    assert Invitation.objects.count() == 1


def test_revoke_with_htmx_and_refusal_of_an_ended_one(client, federation, invitation, owner):
    client.force_login(owner)
    path = furl(federation, "revoke_invitation", invitation_id=invitation.pk)
    response = client.post(path, headers={"HX-Request": "true", "HX-Target": "members-section"})
    assertContains(response, "Revoked the invitation for ivy.")
    assertNotContains(response, "Revoke invitation for ivy")
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    again = client.post(path, follow=True)
    assertContains(again, "This invitation was revoked.")


def form_token(html: str, action: str) -> str:
    """The CSRF token the form posting to ``action`` carries, as a browser would send it."""
    form = re.search(rf'<form method="post" action="{action}".*?</form>', html, re.DOTALL)[0]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]


def test_a_pending_invitation_is_revoked_with_the_token_its_row_carries(federation, invitation, owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    path = furl(federation, "revoke_invitation", invitation_id=invitation.pk)
    token = form_token(browser.get(furl(federation, "members")).text, path)
    response = browser.post(path, {"csrfmiddlewaretoken": token}, follow=True)
    assertContains(response, "Revoked the invitation for ivy.")


def test_the_dashboards_invitation_is_accepted_with_the_token_its_row_carries(federation, invitation, invitee):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(invitee)
    path = reverse("federations:accept_invitation", args=[invitation.pk])
    token = form_token(browser.get(reverse("federations:dashboard")).text, path)
    response = browser.post(path, {"csrfmiddlewaretoken": token, "next": "dashboard"})
    assertRedirects(response, furl(federation, "overview"))


def test_owner_sees_recently_ended_invitations(client, federation, invitation, owner, invitee):
    services.decline_invitation(user=invitee, invitation_id=invitation.pk)
    client.force_login(owner)
    response = client.get(furl(federation, "members"))
    assertContains(response, "Recently ended invitations")
    assertContains(response, "Declined")


def test_ended_invitations_show_a_lapsed_one_as_expired_at_its_expiry_newest_first(client, federation, owner):
    declined = services.invite(federation=federation, inviter=owner, username=UserFactory(username="dan").username)
    lapsed = services.invite(federation=federation, inviter=owner, username=UserFactory(username="eve").username)
    services.decline_invitation(user=declined.invitee, invitation_id=declined.pk)
    expired_at = lapsed.created_at
    Invitation.objects.filter(pk=lapsed.pk).update(expires_at=expired_at)  # still stored as pending
    client.force_login(owner)
    response = client.get(furl(federation, "members"))
    ended = response.content.decode().split('id="ended-invitation-list"')[1]
    assert ended.index("eve") < ended.index("dan")  # the most recently created first
    assertContains(response, "Expired")
    assertContains(response, f'<time datetime="{timezone.localtime(expired_at).isoformat()}">')
    assertNotContains(response, 'id="invitation-list"')  # neither is pending any more


def test_remove_member_confirms_then_removes(client, federation, owner, member):
    client.force_login(owner)
    path = furl(federation, "remove_member", username="max")
    assertContains(client.get(path), "Remove max from @olivia/fedavg-lab?")
    assert Membership.objects.filter(user=member).exclude(federation__name="workspace").exists()
    assertRedirects(client.post(path), furl(federation, "members"))
    assert not Membership.objects.filter(user=member).exclude(federation__name="workspace").exists()
    client.force_login(member)
    assert client.get(furl(federation, "overview")).status_code == 404


def test_leave_confirms_then_ends_access(client, federation, member):
    client.force_login(member)
    assertContains(client.get(furl(federation, "leave")), "Leave @olivia/fedavg-lab?")
    assert Membership.objects.filter(user=member).exclude(federation__name="workspace").exists()
    assertRedirects(client.post(furl(federation, "leave")), reverse("federations:dashboard"))
    assert client.get(furl(federation, "members")).status_code == 404
    assertNotContains(client.get(reverse("federations:dashboard")), "@olivia/fedavg-lab")


# The invitee's inbox ------------------------------------------------------------------------------------------


def test_profile_lists_pending_invitations_and_header_counts_them(client, invitation, invitee):
    client.force_login(invitee)
    response = client.get(reverse("profile"))
    assertContains(response, "@olivia/fedavg-lab")
    assertContains(response, "Invited by olivia")
    assertContains(response, "1 pending invitation")
    assertContains(client.get(reverse("federations:dashboard")), "1 pending invitation")


def test_expired_invitations_leave_the_inbox(client, invitation, invitee):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    client.force_login(invitee)
    response = client.get(reverse("profile"))
    assertContains(response, "No pending invitations")
    assertNotContains(response, "pending invitation<")


def test_accept_without_javascript_joins_and_lists_on_dashboard(client, federation, invitation, invitee):
    client.force_login(invitee)
    response = client.post(reverse("federations:accept_invitation", args=[invitation.pk]))
    assertRedirects(response, reverse("profile"))
    assert Membership.objects.filter(federation=federation, user=invitee).exists()
    assertContains(client.get(reverse("federations:dashboard")), "@olivia/fedavg-lab")
    assert client.get(furl(federation, "overview")).status_code == 200


def test_decline_with_htmx_updates_the_inbox_and_the_count(client, federation, invitation, invitee):
    client.force_login(invitee)
    response = client.post(
        reverse("federations:decline_invitation", args=[invitation.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'id="invitation-inbox"' in body
    assert "You declined the invitation to @olivia/fedavg-lab." in body
    assert 'id="nav-invitation-count" hx-swap-oob="true"' in body
    assert "No pending invitations" in body
    assert not Membership.objects.filter(federation=federation, user=invitee).exists()


def test_the_inbox_htmx_swaps_in_keeps_its_forms_answerable(federation, invitation, invitee):
    """The section htmx puts in place of the inbox carries the CSRF token in each remaining form."""
    second = FederationFactory(name="second-lab")
    other = services.invite(federation=second, inviter=second.owner, username="ivy")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(invitee)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(reverse("profile")).text)[1]
    decline = reverse("federations:decline_invitation", args=[invitation.pk])
    section = browser.post(decline, {"csrfmiddlewaretoken": token}, headers={"HX-Request": "true"}).text
    accept = reverse("federations:accept_invitation", args=[other.pk])
    form = re.search(rf'<form method="post" action="{accept}".*?</form>', section, re.DOTALL)[0]
    swapped_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    answer = browser.post(accept, {"csrfmiddlewaretoken": swapped_token}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert Membership.objects.filter(federation=second, user=invitee).exists()


def test_accepting_an_ended_invitation_says_why(client, federation, invitation, invitee):
    services.revoke_invitation(federation=federation, actor=federation.owner, invitation_id=invitation.pk)
    client.force_login(invitee)
    response = client.post(reverse("federations:accept_invitation", args=[invitation.pk]), follow=True)
    assertContains(response, "This invitation was revoked.")
    assert not Membership.objects.filter(federation=federation, user=invitee).exists()


@pytest.mark.parametrize("who", ["owner", "member", "outsider"])
@pytest.mark.parametrize("view", ["accept_invitation", "decline_invitation"])
def test_only_the_invitee_can_answer_any_other_gets_404(client, request, invitation, who, view):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse(f"federations:{view}", args=[invitation.pk])).status_code == 404
    assert client.post(reverse(f"federations:{view}", args=[999999])).status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_answering_is_post_only_and_needs_sign_in(client, invitation, invitee):
    path = reverse("federations:accept_invitation", args=[invitation.pk])
    assert client.post(path).status_code == 302
    client.force_login(invitee)
    assert client.get(path).status_code == 405
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


# Query counts -------------------------------------------------------------------------------------------------


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_profile_query_count_is_fixed(client, invitee):
    client.force_login(invitee)
    for federation in FederationFactory.create_batch(2):
        services.invite(federation=federation, inviter=federation.owner, username="ivy")
    small = count_queries(client, reverse("profile"))
    for federation in FederationFactory.create_batch(40):
        services.invite(federation=federation, inviter=federation.owner, username="ivy")
    assert count_queries(client, reverse("profile")) == small


def test_members_tab_query_count_is_fixed_with_ended_invitations(client, federation, owner):
    client.force_login(owner)
    small = count_queries(client, furl(federation, "members"))
    for user in UserFactory.create_batch(25):
        invitation = services.invite(federation=federation, inviter=owner, username=user.username)
        services.decline_invitation(user=user, invitation_id=invitation.pk)
        Membership.objects.create(federation=federation, user=UserFactory())
    assert count_queries(client, furl(federation, "members")) == small


def test_a_pending_invitations_page_past_the_end_links_back(client, owner, federation):
    client.force_login(owner)
    response = client.get(reverse("federations:members", kwargs=federation.url_kwargs()), {"invitations": "9"})
    assert response.status_code == 200
    assert 'href="?invitations=8"' in response.content.decode()
