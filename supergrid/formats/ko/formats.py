# The same formats in Korean (see ../en/formats.py for which is which).
DATE_FORMAT = "Y년 n월 j일"
DATETIME_FORMAT = "Y년 n월 j일 H:i"
SHORT_DATETIME_FORMAT = "Y년 n월 j일 H:i:s"
TIME_FORMAT = "H:i:s"
MONTH_DAY_FORMAT = "n월 j일 H:i"
