from flask import Blueprint

from blueprints.access import allow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/<kind>")
@allow("admin")
def index(kind):
    return kind
