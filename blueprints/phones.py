"""Mobile numbers: what people type, the 11 digits kept, and the masked form shown."""

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value):
    """Accept what people type: spaces, dashes, a +86 prefix; keep the 11 digits."""
    if not value:
        return value
    digits = re.sub(r"[\s\-()（）]", "", value)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


def is_mobile(value):
    return bool(MOBILE.match(value or ""))


def mask_phone(phone):
    """138****0001: enough for the owner to recognise, not enough to call."""
    if not phone or len(phone) < 7:
        return phone or ""
    return f"{phone[:3]}****{phone[-4:]}"
