"""Mobile numbers: what people type, the 11 digits kept, and the masked form shown."""

import re
import unicodedata

MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalize_phone(value):
    """Accept what people type: spaces, dashes, brackets, a +86 prefix; keep the 11 digits.
    A Chinese keyboard may type full-width digits (１３８…), another keyboard its own digits:
    NFKC, then every decimal digit as ASCII, so one number has one spelling (one account, one
    rate-limit budget)."""
    if not value:
        return value
    digits = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c
        for c in unicodedata.normalize("NFKC", value)
        if not (c.isspace() or c in "()" or unicodedata.category(c) == "Pd")
    )
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


def is_mobile(value):
    return bool(MOBILE.fullmatch(value or ""))


def mask_phone(phone):
    """138****0001: enough for the owner to recognise, not enough to call."""
    if not phone or len(phone) < 7:
        return phone or ""
    return f"{phone[:3]}****{phone[-4:]}"
