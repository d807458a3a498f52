"""Who does what: the roles an account holds in a place, and their names as people read them.
Every account is a resident; the others are granted in a place (auth.models.RoleGrant)."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """Who does what (docs/design.md §1). Every account is a resident; the others are granted in a place."""

    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    ORG_OFFICER = "org_officer"
    COMMUNITY_REVIEWER = "community_reviewer"
    STREET_REVIEWER = "street_reviewer"
    ADMIN = "admin"


ROLES = {
    Role.RESIDENT: _l("居民"),
    Role.GRID_WORKER: _l("网格员"),
    Role.DISPATCHER: _l("指挥中心"),
    Role.HANDLER: _l("职能部门"),
    Role.ORG_OFFICER: _l("组织负责人"),
    Role.COMMUNITY_REVIEWER: _l("社区初审"),
    Role.STREET_REVIEWER: _l("街道审核"),
    Role.ADMIN: _l("管理员"),
}
GRANTED_ROLES = [r for r in ROLES if r != Role.RESIDENT]


def init_app(app):
    # Templates name roles as Python does (Role.ADMIN): a misspelt one is an error, not a miss.
    app.jinja_env.globals["Role"] = Role
