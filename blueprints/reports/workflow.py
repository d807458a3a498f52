"""The whole grid-reporting loop, readable at a glance. Nothing else sets a report's state: the
workflow core (blueprints/workflow.py) applies this table, with the effects and relations of
ReportFlow in services.py.

Each step: (state, action) → where it goes, who may take it, what must be given.
`who` names roles checked against the report's place, plus two relations:
  "reporter"  the resident who reported it (signed in, or holding the tracking code);
  "assignee"  the grid worker it was sent to, or a handler of the department it was sent to.
`to=None` keeps the state (notes, extensions, supervision).
"""

from flask_babel import lazy_gettext as _l

from blueprints.workflow import step

ACTIVE = ("signed", "in_progress")
TRANSITIONS = {
    ("submitted", "accept"): step("accepted", {"dispatcher"}, {"urgency"}, _l("受理")),
    ("submitted", "return"): step("returned", {"dispatcher"}, {"reason"}, _l("退回"), danger=True),
    ("submitted", "merge"): step("merged", {"dispatcher"}, {"target"}, _l("并案")),
    ("submitted", "withdraw"): step(
        "withdrawn", {"reporter"}, {"confirm"}, _l("撤回反映"), danger=True
    ),
    ("submitted", "correct"): step(None, {"reporter"}, {"text"}, _l("修改描述")),
    ("accepted", "dispatch"): step("dispatched", {"dispatcher"}, {"assignee"}, _l("派遣")),
    ("accepted", "merge"): step("merged", {"dispatcher"}, {"target"}, _l("并案")),
    ("reopened", "dispatch"): step("dispatched", {"dispatcher"}, {"assignee"}, _l("重新派遣")),
    ("dispatched", "sign"): step("signed", {"assignee"}, (), _l("签收")),
    ("dispatched", "send_back"): step(
        "accepted", {"assignee"}, {"reason"}, _l("退单"), public=False, danger=True
    ),
    ("dispatched", "transfer"): step("dispatched", {"dispatcher"}, {"assignee"}, _l("转派")),
    ("signed", "start"): step("in_progress", {"assignee"}, (), _l("开始处置")),
    ("signed", "transfer"): step("dispatched", {"dispatcher"}, {"assignee"}, _l("转派")),
    ("in_progress", "transfer"): step("dispatched", {"dispatcher"}, {"assignee"}, _l("转派")),
    ("in_progress", "handle"): step("handled", {"assignee"}, {"note"}, _l("办结")),
    ("signed", "handle"): step("handled", {"assignee"}, {"note"}, _l("办结")),
    ("handled", "verify"): step("verified", {"grid_worker", "dispatcher"}, (), _l("核查通过")),
    ("handled", "redo"): step(
        "in_progress", {"grid_worker", "dispatcher"}, {"reason"}, _l("核查不合格"), danger=True
    ),
    ("verified", "rate"): step(None, {"reporter"}, {"rating"}, _l("评价")),
    ("handled", "rate"): step(None, {"reporter"}, {"rating"}, _l("评价")),
}
# Steps that may be taken in any of several states and keep the state.
# Before a deadline the command centre may urge (催办); after it, supervise (督办).
for state in ("accepted", "dispatched", "signed", "in_progress", "handled", "reopened"):
    TRANSITIONS[(state, "urge")] = step(None, {"dispatcher"}, (), _l("催办"), public=False)
    TRANSITIONS[(state, "supervise")] = step(
        None, {"dispatcher"}, {"note"}, _l("督办"), public=False
    )
for state in ("dispatched", *ACTIVE):
    TRANSITIONS[(state, "note")] = step(None, {"assignee"}, {"note"}, _l("记录进展"))
for state in ACTIVE:
    TRANSITIONS[(state, "ask_extension")] = step(
        None, {"assignee"}, {"hours", "reason"}, _l("申请延期"), public=False
    )
    TRANSITIONS[(state, "approve_extension")] = step(
        None, {"dispatcher"}, (), _l("同意延期"), public=False
    )
    TRANSITIONS[(state, "refuse_extension")] = step(
        None, {"dispatcher"}, {"reason"}, _l("不同意延期"), public=False, danger=True
    )

# What rating leads where: "not satisfied" reopens the case; every other answer closes it.
AFTER_RATING = {"satisfied": "closed", "basic": "closed", "unsatisfied": "reopened"}

# Which deadline runs in which state, and from which category column.
STAGE_OF_STATE = {
    "submitted": "accept",
    "accepted": "accept",
    "reopened": "accept",
    "dispatched": "sign",
    "signed": "handle",
    "in_progress": "handle",
    "handled": "verify",
}

# Events that are not transitions but still go on the timeline.
EVENT_LABELS = {
    "submit": _l("提交反映"),
    "remind": _l("临近时限提醒"),
    "overdue": _l("已超时，进入督办"),
    "metoo": _l("有居民也反映了这个问题"),
    "close_no_response": _l("7天未回复，按未回复结案"),
    "photo_public": _l("照片已审核可公开"),
}
