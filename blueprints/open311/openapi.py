"""The OpenAPI 3.0 description of Linli's Open311 endpoints."""

from flask import jsonify

from blueprints.open311.lists import MAX_PAGE_SIZE, PAGE_SIZE
from blueprints.reports.models import DESCRIPTION_MAX, DESCRIPTION_MIN

# The one character the API refuses in any text it is sent: a NUL (blueprints/web/responses.py answers
# 400). Other control characters are dropped on the way in (blueprints/web/inputs.py), so a text
# that holds them is still accepted, and the document allows them.
NO_NUL = "^[^\\u0000]*$"


def text(**rules):
    """A string the API is sent (a parameter or a form field), with what it refuses."""
    return {"type": "string", "pattern": NO_NUL, **rules}


FMT = {
    "name": "fmt",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "schema": text(),
}
ERROR_BODY = {
    "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}},
    "text/xml": {"schema": {"type": "string"}},
}
# Every error comes in the asked format: JSON, or XML for a path ending in .xml.
REASONS = {
    "400": "Bad request: a parameter is malformed or out of range",
    "403": "Missing, wrong or revoked api_key",
    "404": "Not found (also: an unknown format or jurisdiction_id)",
    "413": "Request body too large",
    "429": "Too many requests: for this api_key (POST), or from this address (GET)",
}
HEADERS = {
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before asking again",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}


def errors(*codes):
    return {
        code: {
            "description": REASONS[code],
            "content": ERROR_BODY,
            **({"headers": HEADERS[code]} if code in HEADERS else {}),
        }
        for code in codes
    }


# Every public GET is rate-limited per client address (blueprints/open311/routes.py).
ERRORS = errors("400", "404", "429")


def ok(schema, headers=None):
    return {
        "description": "OK",
        **({"headers": headers} if headers else {}),
        "content": {
            "application/json": {"schema": schema},
            "text/xml": {"schema": {"type": "string"}},
        },
    }


# A list's next page (blueprints/open311/lists.py): absent on the last page.
NEXT_PAGE = {
    "Link": {
        "description": 'RFC 8288: <the next page\'s URL>; rel="next", on every page but the last',
        "required": False,
        "schema": {"type": "string"},
    }
}


def array_of(name):
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}


def query(name, description, **schema):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or text(),
    }


STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
SCHEMAS = {
    "Service": {
        "type": "object",
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "properties": {
            "service_code": STRING,
            "service_name": STRING,
            "description": STRING,
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": STRING,
            "group": STRING,
        },
    },
    "ServiceDefinition": {
        "type": "object",
        "properties": {
            "service_code": STRING,
            "attributes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": STRING,
                        "datatype": {
                            "type": "string",
                            "enum": [
                                "string",
                                "number",
                                "datetime",
                                "text",
                                "singlevaluelist",
                                "multivaluelist",
                            ],
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": STRING,
                        "order": {"type": "integer"},
                        "description": STRING,
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"key": STRING, "name": STRING},
                            },
                        },
                    },
                },
            },
        },
    },
    "ServiceRequest": {
        "type": "object",
        "properties": {
            "service_request_id": STRING,
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": STRING,
            "service_name": STRING,
            "service_code": STRING,
            "description": STRING,
            "agency_responsible": STRING,
            "service_notice": STRING,
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "address": STRING,
            "address_id": STRING,
            "zipcode": STRING,
            "lat": {"type": "number", "nullable": True},
            "long": {"type": "number", "nullable": True},
            "media_url": NULLABLE_STRING,
        },
    },
    "Created": {
        "type": "object",
        "properties": {
            "service_request_id": STRING,
            "token": STRING,
            "service_notice": STRING,
            "account_id": NULLABLE_STRING,
        },
    },
    "Token": {"type": "object", "properties": {"service_request_id": STRING, "token": STRING}},
    "Update": {
        "type": "object",
        "properties": {
            "update_id": STRING,
            "service_request_id": STRING,
            "status": {"type": "string", "enum": ["open", "closed"]},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": STRING,
            "media_url": NULLABLE_STRING,
        },
    },
    "Errors": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"code": {"type": "integer"}, "description": STRING},
        },
    },
}
DATES = [
    query(
        "start_date", "ISO 8601; at most 90 days before end_date", type="string", format="date-time"
    ),
    query("end_date", "ISO 8601", type="string", format="date-time"),
]
PAGING = [
    query(
        "page_size",
        f"Linli extension: results a page, {PAGE_SIZE} unless given",
        type="integer",
        minimum=1,
        maximum=MAX_PAGE_SIZE,
    ),
    query(
        "after",
        "Linli extension: the opaque cursor from a page's Link header; it carries the page's "
        "filters, which may be repeated beside it but not changed",
    ),
]
POST_FIELDS = {
    "api_key": text(),
    "jurisdiction_id": text(),
    "service_code": text(),
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": text(),
    "address_id": text(),
    "email": text(),
    "device_id": text(),
    "account_id": text(),
    "first_name": text(),
    "last_name": text(),
    "phone": text(),
    "description": text(minLength=DESCRIPTION_MIN, maxLength=DESCRIPTION_MAX),
    "media_url": text(),
}


def document(base):
    paths = {
        "/discovery.{fmt}": {
            "get": {
                "summary": "Service discovery",
                "parameters": [FMT],
                "responses": {"200": ok({"type": "object"}), **errors("404")},
            }
        },
        "/v2/services.{fmt}": {
            "get": {
                "summary": "Service list",
                "parameters": [FMT, JURISDICTION],
                "responses": {"200": ok(array_of("Service")), **ERRORS},
            }
        },
        "/v2/services/{service_code}.{fmt}": {
            "get": {
                "summary": "Service definition",
                "parameters": [
                    {"name": "service_code", "in": "path", "required": True, "schema": text()},
                    FMT,
                    JURISDICTION,
                ],
                "responses": {
                    "200": ok({"$ref": "#/components/schemas/ServiceDefinition"}),
                    **ERRORS,
                },
            }
        },
        "/v2/requests.{fmt}": {
            "get": {
                "summary": "Get service requests",
                "parameters": [
                    FMT,
                    JURISDICTION,
                    query("service_request_id", "comma-separated ids"),
                    query("service_code", "comma-separated codes"),
                    *DATES,
                    query("status", "open or closed", type="string", enum=["open", "closed"]),
                    *PAGING,
                ],
                "responses": {"200": ok(array_of("ServiceRequest"), NEXT_PAGE), **ERRORS},
            },
            "post": {
                "summary": "Create a service request",
                "parameters": [FMT],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["api_key", "service_code", "description"],
                                "properties": POST_FIELDS,
                            }
                        }
                    },
                },
                "responses": {
                    "200": ok(array_of("Created")),
                    **errors("400", "403", "404", "413", "429"),
                },
            },
        },
        "/v2/requests/{service_request_id}.{fmt}": {
            "get": {
                "summary": "Get one service request",
                "parameters": [
                    {
                        "name": "service_request_id",
                        "in": "path",
                        "required": True,
                        "schema": text(),
                    },
                    FMT,
                    JURISDICTION,
                ],
                "responses": {"200": ok(array_of("ServiceRequest")), **ERRORS},
            }
        },
        "/v2/tokens/{token}.{fmt}": {
            "get": {
                "summary": "Service request id from a token",
                "parameters": [
                    {"name": "token", "in": "path", "required": True, "schema": text()},
                    FMT,
                    JURISDICTION,
                ],
                "responses": {"200": ok(array_of("Token")), **ERRORS},
            }
        },
        "/v2/servicerequestupdates.{fmt}": {
            "get": {
                "summary": "Updates on service requests (FixMyStreet extension)",
                "parameters": [FMT, JURISDICTION, *DATES, *PAGING],
                "responses": {"200": ok(array_of("Update"), NEXT_PAGE), **ERRORS},
            }
        },
    }
    return jsonify(
        {
            "openapi": "3.0.3",
            "info": {"title": "Linli Open311 GeoReport v2", "version": "2.0"},
            "servers": [{"url": base}],
            "paths": paths,
            "components": {"schemas": SCHEMAS},
        }
    )
