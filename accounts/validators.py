from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Flower account names: 1-39 characters, ASCII letters, digits, "-" and "_",
# starting with a letter or digit.
USERNAME_MAX_LENGTH = 39
USERNAME_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}\Z"
USERNAME_DB_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$"

validate_username = RegexValidator(
    regex=USERNAME_REGEX,
    message=gettext_lazy(
        "Use 1 to 39 letters, digits, hyphens or underscores, starting with a letter or digit (no spaces)."
    ),
    code="invalid_username",
)

USERNAME_VALIDATORS = [validate_username]


def text_problem(value: str, max_length: int | None) -> str | None:
    """Why free text (a description, a reason) cannot be stored, or None; ``max_length`` None is no limit.

    Services check it, so the CLI gets the web's limits: a length, and no control characters
    (terminal escapes, NUL) beyond line breaks and tabs.
    """
    if max_length is not None and len(value) > max_length:
        return ngettext("Keep it under %(count)d character.", "Keep it under %(count)d characters.", max_length) % {
            "count": max_length
        }
    if any(ord(char) < 32 and char not in "\n\r\t" or ord(char) == 127 for char in value):
        return _("Remove control characters (such as terminal escape codes).")
    return None
