# The portal's date formats in English (FORMAT_MODULE_PATH); templates name them, never spell them:
# `|date:"DATE_FORMAT"`. SHORT_DATETIME_FORMAT is the one with seconds (a run's timeline), and
# MONTH_DAY_FORMAT a day and time without the year (a chart's points).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i:s"
TIME_FORMAT = "H:i:s"
MONTH_DAY_FORMAT = "j M, H:i"
