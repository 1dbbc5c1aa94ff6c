"""Words the database and the zips keep in English (why a file was left out, why packing failed), shown
in the reader's language.

Each is stored as its English template filled in (``stored``); ``shown`` recognises the template again
and fills in its translation. Words it does not recognise (older rows, a changed template) show as stored.
"""

import functools
import re

from django.utils.translation import gettext, gettext_noop

# Why a file of the run's folder is not in the zip (the run page, the zip's manifest).
LEFT_OUT_LINK = gettext_noop("a symbolic link (links are not followed)")
LEFT_OUT_SPECIAL = gettext_noop("not a regular file")
LEFT_OUT_MANIFEST = gettext_noop("the name of SuperGrid's own manifest")
LEFT_OUT_FILES = gettext_noop("over the limit of %(limit)s files a run")
LEFT_OUT_BYTES = gettext_noop("over the limit of %(limit)s bytes a run")
LEFT_OUT_UNREADABLE = gettext_noop("could not be read")

# Why packing failed (the run page, `flwr pull`).
STORAGE_FULL = gettext_noop(
    "The SuperGrid's artifact storage is full (%(used)s of %(total)s bytes used; these need %(size)s). "
    "An operator can delete older artifacts in the admin; they are packed when there is room."
)
STORAGE_REFUSED_AGAIN = gettext_noop("The artifact storage could not take them (%(error)s). They will be packed again.")
STORAGE_REFUSED = gettext_noop("The artifact storage could not take them (%(error)s).")

KNOWN = (
    LEFT_OUT_LINK,
    LEFT_OUT_SPECIAL,
    LEFT_OUT_MANIFEST,
    LEFT_OUT_FILES,
    LEFT_OUT_BYTES,
    LEFT_OUT_UNREADABLE,
    STORAGE_FULL,
    STORAGE_REFUSED_AGAIN,  # before the shorter one it starts with
    STORAGE_REFUSED,
)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def stored(words: str, **values: object) -> str:
    """The English words with their values, as they are kept."""
    return words % values if values else words


@functools.cache
def pattern(words: str) -> re.Pattern[str]:
    """A regular expression that matches ``words`` filled in, each placeholder a named group."""
    pieces = PLACEHOLDER.split(words)  # text, name, text, name, …, text
    return re.compile(
        "".join(re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.+?)" for index, piece in enumerate(pieces)),
        re.DOTALL,
    )


def shown(text: str) -> str:
    """Stored words in the reader's language; anything not recognised as it is."""
    for words in KNOWN:
        if match := pattern(words).fullmatch(text):
            values = match.groupdict()
            return gettext(words) % values if values else gettext(words)
    return text
