"""The only code that reads htmx's request headers.

htmx 4 sends HX-Request on every request it makes, boosted navigation included, and
HX-Request-Type: partial only when it will swap part of the page. A fragment is sent only then;
everything else gets the full page, so every URL works without JavaScript.
"""

from flask import current_app, make_response, render_template, request, url_for


def is_htmx():
    return request.headers.get("HX-Request") == "true"


def wants_fragment():
    return is_htmx() and request.headers.get("HX-Request-Type") == "partial"


def render(template, block=None, status=200, **context):
    """The full page, or one named {% block %} of it when htmx asks for a partial swap."""
    if block and wants_fragment():
        current_app.update_template_context(context)
        tmpl = current_app.jinja_env.get_template(template)
        body = "".join(tmpl.blocks[block](tmpl.new_context(context)))
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.update(("HX-Request", "HX-Request-Type"))
    return response


def redirect_to_login():
    response = make_response("", 401)
    response.headers["HX-Redirect"] = url_for("auth.login", next=request.full_path)
    return response
