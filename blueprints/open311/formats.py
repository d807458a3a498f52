"""Open311 answers in JSON (bare arrays) or XML (the spec's element names), and its errors."""

from xml.etree import ElementTree as ET

from flask import Response, json

from blueprints.util.times import local
from blueprints.web.inputs import clean_text

# The element name of one item inside each XML list.
ITEM = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def stamp(moment):
    """ISO 8601 with the time zone, in Beijing time."""
    return local(moment).isoformat(timespec="seconds") if moment else None


def text(value):
    """XML 1.0 cannot carry control characters: text stored before they were stripped on the
    way in loses them here, or one report would make the whole list ill-formed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else clean_text(str(value)).replace("\x00", "")


def element(name, value):
    node = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            node.append(element(key, child))
    elif isinstance(value, list):
        for child in value:
            node.append(element(ITEM.get(name, "item"), child))
    else:
        node.text = text(value)
    return node


def answer(fmt, root, data, status=200):
    """`data` is a list (JSON: bare array; XML: <root><item/>…</root>) or a dict (one document)."""
    if fmt == "xml":
        body = ET.tostring(element(root, data), encoding="unicode")
        return Response(
            '<?xml version="1.0" encoding="utf-8"?>\n' + body,
            status=status,
            mimetype="text/xml",
        )
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )


API_PATHS = ("/open311/v2/", "/open311/discovery.")


def api_format(path):
    """The format an answer to this path must be in: "json" or "xml" for the API, else None."""
    if not path.startswith(API_PATHS):
        return None
    return "xml" if path.endswith(".xml") else "json"


def error(fmt, status, description):
    return answer(fmt, "errors", [{"code": status, "description": str(description)}], status)


def error_for_path(path, code, description):
    """The API's own error answer for a path under it (the app's error pages ask), else None."""
    fmt = api_format(path)
    return error(fmt, code, description) if fmt else None
