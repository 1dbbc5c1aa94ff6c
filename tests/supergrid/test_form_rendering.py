"""The form renderer writes forms/form.html, forms/field.html and Django's simple widget templates in Python
(supergrid/forms.py): every form of the portal, rendered by it and by the templates, is the same to the byte."""

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from allauth.account import forms as allauth_forms
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import TemplatesSetting
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.forms import SuperGridLoginForm, SuperGridSignupForm
from accounts.views import DeploymentAccessForm, SigningKeyForm
from apps.views import PublishForm, RunForm, VersionRow, VisibilityForm
from federations.admin import ExportForm
from federations.forms import (
    ArchiveForm,
    FederationCreateForm,
    FederationSettingsForm,
    InviteForm,
    KindSelect,
)
from federations.models import Federation
from runs.forms import LaunchForm
from supergrid.forms import SuperGridFormRenderer
from supernodes.forms import RegisterNodeForm
from webhooks.forms import WebhookForm

from ..factories import PASSWORD, FederationFactory, UserFactory
from ..signing import new_key

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["accounts", "apps", "federations", "runs", "supernodes", "webhooks", "supergrid"]
WIDGETS = "django/forms/widgets/"


class TemplatesOnly(TemplatesSetting):
    """The portal's renderer as it was: every piece through its template."""

    form_template_name = SuperGridFormRenderer.form_template_name
    field_template_name = SuperGridFormRenderer.field_template_name


def fab() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pyproject.toml", '[tool.flwr.app]\npublisher = "me"\n\n[tool.flwr.app.config]\nlr = 0.1\n')
    return buffer.getvalue()


def supernode_key() -> str:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


class OwnOptions(forms.RadioSelect):
    option_template_name = f"{WIDGETS}input_option.html"  # not one the renderer writes


class Everything(forms.Form):
    """Every widget the renderer writes, with the values that are easy to get wrong: markup and quotes,
    safe and lazy strings, numbers and dates, True/False/None/0 attributes, optgroups, no label."""

    text = forms.CharField(
        label=mark_safe("<i>Safe</i> label"),
        help_text="plain & <code>markup</code>",
        initial='say "hi" & <bye>',
        widget=forms.TextInput(attrs={"data-on": True, "data-off": False, "data-none": None, "data-zero": 0}),
    )
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"placeholder": _("Username")}))
    url = forms.URLField(required=False, initial=mark_safe("https://example.org/?a=1&amp;b=2"))
    number = forms.IntegerField(initial=12345, localize=True, widget=forms.NumberInput(attrs={"step": 0.5}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p<w>")
    search = forms.CharField(widget=forms.SearchInput, required=False, label="")
    tel = forms.CharField(widget=forms.TelInput, required=False, disabled=True)
    day = forms.DateField(initial=date(2025, 1, 31), widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(initial=datetime(2025, 1, 31, 12, 30, tzinfo=UTC))
    time = forms.TimeField(widget=forms.TimeInput, required=False)
    color = forms.CharField(widget=forms.ColorInput, initial="#ff0000")
    upload = forms.FileField(widget=forms.FileInput, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h&h")
    again = forms.CharField(show_hidden_initial=True, initial="was")
    check = forms.BooleanField(initial=True, required=False, help_text=_("Optional: what this federation is for."))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial="<script>alert('x')</script>")
    empty_notes = forms.CharField(widget=forms.Textarea, required=False)
    grouped = forms.ChoiceField(
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        choices=[(_("Simulation"), [("a", "A & a"), ("b", mark_safe("<b>B</b>"))]), ("c", 1000), ("d", 2.5)],
        initial="b",
        help_text="Pick <em>one</em>.",
    )
    many = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=[(1, "one"), (2, "two")])
    kind = forms.ChoiceField(
        widget=KindSelect(disabled_values={"deployment"}), choices=Federation.Kind.choices, initial="simulation"
    )
    own_template = forms.CharField(template_name="django/forms/field.html", required=False)  # the templates'
    selected = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)  # select.html: the templates'
    own_options = forms.ChoiceField(widget=OwnOptions, choices=[("x", "X")], required=False)  # the templates'

    def clean(self):
        raise forms.ValidationError('Refused: <b>"quoted"</b> & more')


def portal_forms(request, deployment_owner, newcomer) -> list[tuple]:
    """Each form of the portal (and the allauth forms it shows): the form, the arguments it needs, data it
    takes and data it refuses (values that are bytes are uploaded files)."""
    simulation = FederationFactory(owner=deployment_owner, name="fedavg-lab", description="<b>Shared</b> lab.")
    deployment = FederationFactory(owner=deployment_owner, name="hospitals", kind=Federation.Kind.DEPLOYMENT)
    versions = [VersionRow(1, "1.0.0", datetime(2025, 1, 1, tzinfo=UTC), 100, '{"lr": 0.1}')]
    settings = {"num_supernodes": "10", "description": "<i>x</i>", "only_its_apps": "on", "reviewers_required": "max"}
    new = {"kind": "simulation", "name": "lab", "num_supernodes": "10", "description": "a & b"}
    refused = {"kind": "deployment", "name": "", "num_supernodes": "many", "description": "x" * 1001}
    new_password = {"password1": PASSWORD[::-1], "password2": PASSWORD[::-1]}
    return [
        (DeploymentAccessForm, {}, {"reason": "Run <b>FedAvg</b> & friends"}, {"reason": ""}),
        (SigningKeyForm, {}, {"name": "laptop", "public_key": new_key()[1]}, {"name": "x" * 65}),
        (PublishForm, {}, {"fab": fab(), "private": "on"}, {"private": "on"}),
        (
            RunForm,
            {"federations": ["@olivia/fedavg-lab", "@olivia/<x>"], "versions": versions},
            {"federation": "@olivia/fedavg-lab", "version": "1.0.0", "overrides": "lr=0.5"},
            {"federation": "@nobody/x", "version": "2.0.0", "overrides": "lr=="},
        ),
        (VisibilityForm, {}, {"private": "on"}, {"private": "on"}),  # refuses nothing: the error added below
        (
            ExportForm,
            {},
            {"since": "2025-01-01", "until": "2025-01-31", "format": "csv"},
            {"since": "2025-02-01", "until": "2025-01-01", "format": "xml"},
        ),
        (FederationCreateForm, {"user": newcomer}, new, refused),  # Deployment shown, disabled (KindSelect)
        (FederationCreateForm, {"user": deployment_owner}, new, refused),
        (FederationSettingsForm, {"federation": simulation}, settings, {"num_supernodes": "many"}),
        (FederationSettingsForm, {"federation": deployment}, settings, {"description": "x" * 1001}),
        (ArchiveForm, {"federation": simulation}, {"confirm": simulation.handle}, {"confirm": "<nope>"}),
        (InviteForm, {}, {"username": "ivy"}, {"username": ""}),
        (LaunchForm, {}, {"fab": fab(), "overrides": "lr=0.5"}, {"overrides": 'x="'}),
        (RegisterNodeForm, {}, {"public_key": supernode_key(), "name": "a"}, {"public_key": "hello <world>"}),
        (
            WebhookForm,
            {},
            {"url": "https://ci.example.org/hooks", "events": ["run.finished", "member.joined"]},
            {"url": "", "events": []},
        ),
        (
            SuperGridLoginForm,
            {"request": request},
            {"login": newcomer.username, "password": PASSWORD},
            {"login": newcomer.username, "password": "wrong"},
        ),
        (
            SuperGridSignupForm,
            {},
            {"username": "ivy", "email": "ivy@example.org", "password1": PASSWORD, "password2": PASSWORD},
            {"username": newcomer.username, "email": "not an address", "password1": "a", "password2": "b"},
        ),
        (allauth_forms.AddEmailForm, {"user": newcomer}, {"email": "second@example.org"}, {"email": "x@"}),
        (
            allauth_forms.ChangePasswordForm,
            {"user": newcomer},
            {"oldpassword": PASSWORD, **new_password},
            {"oldpassword": "wrong", "password1": "a"},
        ),
        (allauth_forms.ResetPasswordForm, {}, {"email": newcomer.email}, {"email": ""}),
        (
            allauth_forms.ResetPasswordKeyForm,
            {"user": newcomer, "temp_key": "key"},
            new_password,
            {"password1": PASSWORD, "password2": "b"},
        ),
        (
            Everything,
            {},
            {"text": "x", "email": "a@b.c", "number": "1", "password": "p", "day": "2025-01-01", "moment": "x"},
            {"email": "<not>", "grouped": "b", "many": ["1", "3"], "kind": "deployment"},
        ),
    ]


def bind(make, kwargs: dict, payload: dict | None, renderer):
    """A form made by ``make``, unbound (``payload`` None) or bound to ``payload`` (bytes: uploaded files)."""
    if payload is None:
        return make(renderer=renderer, **kwargs)
    data = {name: value for name, value in payload.items() if not isinstance(value, bytes)}
    files = {name: SimpleUploadedFile(f"{name}.fab", value) for name, value in payload.items() if name not in data}
    return make(data=data, files=files, renderer=renderer, **kwargs)


@pytest.fixture
def login_request():
    request = RequestFactory().post("/accounts/login/")
    SessionMiddleware(lambda request: None).process_request(request)
    request.user = AnonymousUser()
    return request


@pytest.fixture
def everyone(login_request):
    return portal_forms(login_request, UserFactory(username="olivia", has_deployment_access=True), UserFactory())


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_form_is_written_as_its_templates_write_it(everyone, language):
    with translation.override(language):
        for form_class, kwargs, valid, invalid in everyone:
            for state, payload in {"unbound": None, "valid": valid, "invalid": invalid}.items():
                written, expected = (
                    bind(form_class, kwargs, payload, renderer)
                    for renderer in (SuperGridFormRenderer(), TemplatesOnly())
                )
                if state == "invalid":
                    for form in (written, expected):
                        form.add_error(None, 'Refused: <b>"quoted"</b> & more')
                assert str(written) == str(expected), f"{form_class.__name__}({kwargs}), {state}, in {language}"
                if state != "unbound":  # the data does what it is for
                    assert written.is_valid() is (state == "valid" and form_class is not Everything), (
                        f"{form_class.__name__} {state}: {written.errors.as_data()}"
                    )


def test_a_form_without_ids_or_with_a_prefix_too():
    for options in ({"auto_id": False}, {"prefix": "p"}, {"auto_id": "field-%s"}):
        written, expected = (Everything(renderer=r, **options) for r in (SuperGridFormRenderer(), TemplatesOnly()))
        assert str(written) == str(expected), options


def test_every_form_of_the_portal_is_compared(everyone):
    """A new form in one of the apps is a form to add to ``portal_forms``."""
    assert get_resolver().url_patterns  # imports every view, and the forms they show
    ours = {form for form in all_subclasses(forms.BaseForm) if form.__module__.split(".")[0] in PROJECT_APPS}
    assert ours <= {form_class for form_class, *_ in everyone}


def all_subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in (direct, *all_subclasses(direct))}


# Different on every response: the CSRF token (masked anew) and the CSP nonce.
PER_RESPONSE = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"|"X-CSRFToken": "[^"]*"')


def test_pages_with_forms_are_the_same_as_the_templates_made_them(client, settings, owner, federation):
    tab = federation.url_kwargs()
    pages = [  # signed in as the owner
        ("get", reverse("federations:settings", kwargs=tab), None),
        ("post", reverse("federations:settings", kwargs=tab), {"num_supernodes": "many", "description": "<b>"}),
        ("post", reverse("federations:archive", kwargs=tab), {"confirm": "<nope>"}),
        ("post", reverse("webhooks:add", kwargs=tab), {"url": "http://x", "events": ["nope"]}),
        ("get", reverse("federations:invite", kwargs=tab), None),
        ("post", reverse("federations:invite", kwargs=tab), {"username": "<nobody>"}),
        ("get", reverse("runs:runs", kwargs=tab), None),
        ("get", reverse("federations:create"), None),
        ("post", reverse("federations:create"), {"kind": "deployment", "name": "-"}),
        ("get", reverse("profile"), None),
        ("get", reverse("add_signing_key"), None),
        ("get", reverse("hub:list"), None),
        ("get", reverse("supernodes:list"), None),
    ]
    signed_out = [
        ("get", reverse("account_login"), None),
        ("post", reverse("account_login"), {"login": owner.username, "password": "wrong"}),
        ("get", reverse("account_signup"), None),
        ("get", reverse("account_reset_password"), None),
    ]
    answers = {}
    for renderer in (SuperGridFormRenderer, TemplatesOnly):
        settings.FORM_RENDERER = f"{renderer.__module__}.{renderer.__qualname__}"
        client.force_login(owner)
        answers[renderer] = [getattr(client, method)(path, data).text for method, path, data in pages]
        client.logout()
        answers[renderer] += [getattr(client, method)(path, data).text for method, path, data in signed_out]
    for (method, path, _data), written, expected in zip(pages + signed_out, *answers.values(), strict=True):
        assert PER_RESPONSE.sub("", written) == PER_RESPONSE.sub("", expected), f"{method} {path}"
        assert 'class="form-field"' in written, f"{method} {path}"


def test_the_templates_are_not_loaded_for_what_the_renderer_writes(everyone, monkeypatch):
    loaded: list[str] = []
    get_template = TemplatesSetting.get_template

    def spy(renderer, template_name):
        loaded.append(template_name)
        return get_template(renderer, template_name)

    monkeypatch.setattr(TemplatesSetting, "get_template", spy)
    for form_class, kwargs, _valid, invalid in everyone:
        if form_class is Everything:
            continue  # below
        for payload in (None, invalid):
            str(bind(form_class, kwargs, payload, SuperGridFormRenderer()))
        if form_class in (FederationSettingsForm, ArchiveForm, WebhookForm, FederationCreateForm, SuperGridLoginForm):
            assert loaded == [], form_class.__name__
        # Only widgets the renderer does not write: an upload's, and a <select> other than QuickSelect.
        assert set(loaded) <= {f"{WIDGETS}clearable_file_input.html", f"{WIDGETS}select.html"}, form_class.__name__
        loaded.clear()
    str(Everything(renderer=SuperGridFormRenderer()))
    # A field's own template (and the label and error list it asks for), a <select>, options of their own.
    own = ["django/forms/field.html", "django/forms/label.html", "django/forms/errors/list/default.html"]
    assert loaded == [*own, f"{WIDGETS}select.html", f"{WIDGETS}radio.html"]
