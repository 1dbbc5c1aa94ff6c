from django.core.validators import RegexValidator

# Flower account names: 1-39 characters, ASCII letters, digits, "-" and "_",
# starting with a letter or digit.
USERNAME_MAX_LENGTH = 39
USERNAME_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}\Z"
USERNAME_DB_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$"

validate_username = RegexValidator(
    regex=USERNAME_REGEX,
    message=("Use 1 to 39 letters, digits, hyphens or underscores, starting with a letter or digit (no spaces)."),
    code="invalid_username",
)

USERNAME_VALIDATORS = [validate_username]
