"""The whole grid-reporting loop, readable at a glance. Nothing else sets a report's state: the
workflow core (blueprints/core/workflow.py) applies this table, with the effects and relations of
ReportFlow in services.py.

Each step: (state, action) → where it goes, who may take it, what must be given.
`who` names roles checked against the report's place, plus two relations:
  "reporter"  the resident who reported it (signed in, or holding the tracking code);
  "assignee"  the grid worker it was sent to, or a handler of the department it was sent to.
`to=None` keeps the state (notes, extensions, supervision).
"""

from flask_babel import lazy_gettext as _l

from blueprints.auth.models import Role as R
from blueprints.core.workflow import step
from blueprints.reports.models import ReportState as S

ACTIVE = (S.SIGNED, S.IN_PROGRESS)
TRANSITIONS = {
    (S.SUBMITTED, "accept"): step(S.ACCEPTED, {R.DISPATCHER}, {"urgency"}, _l("受理")),
    (S.SUBMITTED, "return"): step(S.RETURNED, {R.DISPATCHER}, {"reason"}, _l("退回"), danger=True),
    (S.SUBMITTED, "merge"): step(S.MERGED, {R.DISPATCHER}, {"target"}, _l("并案")),
    (S.SUBMITTED, "withdraw"): step(
        S.WITHDRAWN, {"reporter"}, {"confirm"}, _l("撤回反映"), danger=True
    ),
    (S.SUBMITTED, "correct"): step(None, {"reporter"}, {"text"}, _l("修改描述")),
    (S.ACCEPTED, "dispatch"): step(S.DISPATCHED, {R.DISPATCHER}, {"assignee"}, _l("派遣")),
    (S.ACCEPTED, "merge"): step(S.MERGED, {R.DISPATCHER}, {"target"}, _l("并案")),
    (S.REOPENED, "dispatch"): step(S.DISPATCHED, {R.DISPATCHER}, {"assignee"}, _l("重新派遣")),
    (S.DISPATCHED, "sign"): step(S.SIGNED, {"assignee"}, (), _l("签收")),
    # Signed for and started in one tap, on the spot: one event, straight to in progress.
    (S.DISPATCHED, "sign_start"): step(S.IN_PROGRESS, {"assignee"}, (), _l("签收并开始处置")),
    (S.DISPATCHED, "send_back"): step(
        S.ACCEPTED, {"assignee"}, {"reason"}, _l("退单"), public=False, danger=True
    ),
    (S.DISPATCHED, "transfer"): step(S.DISPATCHED, {R.DISPATCHER}, {"assignee"}, _l("转派")),
    (S.SIGNED, "start"): step(S.IN_PROGRESS, {"assignee"}, (), _l("开始处置")),
    (S.SIGNED, "transfer"): step(S.DISPATCHED, {R.DISPATCHER}, {"assignee"}, _l("转派")),
    (S.IN_PROGRESS, "transfer"): step(S.DISPATCHED, {R.DISPATCHER}, {"assignee"}, _l("转派")),
    (S.IN_PROGRESS, "handle"): step(S.HANDLED, {"assignee"}, {"note"}, _l("办结")),
    (S.SIGNED, "handle"): step(S.HANDLED, {"assignee"}, {"note"}, _l("办结")),
    (S.HANDLED, "verify"): step(S.VERIFIED, {R.GRID_WORKER, R.DISPATCHER}, (), _l("核查通过")),
    (S.HANDLED, "redo"): step(
        S.IN_PROGRESS,
        {R.GRID_WORKER, R.DISPATCHER},
        {"reason"},
        _l("核查不合格"),
        danger=True,
    ),
    # The reporter rates only what was checked on site: a category that needs no check goes
    # from handled straight to verified (services._handle), so there is no rating from handled.
    (S.VERIFIED, "rate"): step(None, {"reporter"}, {"rating"}, _l("评价")),
}
# Steps that may be taken in any of several states and keep the state.
# Before a deadline the command centre may urge (催办); after it, supervise (督办).
for state in (
    S.ACCEPTED,
    S.DISPATCHED,
    S.SIGNED,
    S.IN_PROGRESS,
    S.HANDLED,
    S.REOPENED,
):
    TRANSITIONS[(state, "urge")] = step(None, {R.DISPATCHER}, (), _l("催办"), public=False)
    TRANSITIONS[(state, "supervise")] = step(
        None, {R.DISPATCHER}, {"note"}, _l("督办"), public=False
    )
for state in (S.DISPATCHED, *ACTIVE):
    TRANSITIONS[(state, "note")] = step(None, {"assignee"}, {"note"}, _l("记录进展"))
for state in ACTIVE:
    TRANSITIONS[(state, "ask_extension")] = step(
        None, {"assignee"}, {"hours", "reason"}, _l("申请延期"), public=False
    )
    TRANSITIONS[(state, "approve_extension")] = step(
        None, {R.DISPATCHER}, (), _l("同意延期"), public=False
    )
    TRANSITIONS[(state, "refuse_extension")] = step(
        None, {R.DISPATCHER}, {"reason"}, _l("不同意延期"), public=False, danger=True
    )

# The reporter may add a few words or a photo while the case is open (a neighbour's detail, the
# problem got worse); the description itself can be corrected only before it is accepted.
for state in (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, *ACTIVE, S.HANDLED, S.REOPENED):
    TRANSITIONS[(state, "add_update")] = step(None, {"reporter"}, {"note"}, _l("补充情况"))

# The one step a case page leads with, for whoever may take it: the first of these the person
# has; every other step is folded below it.
PRIMARY = {
    S.SUBMITTED: ("accept",),
    S.ACCEPTED: ("dispatch",),
    S.REOPENED: ("dispatch",),
    S.DISPATCHED: ("sign_start", "sign"),
    S.SIGNED: ("handle", "start"),
    S.IN_PROGRESS: ("handle",),
    S.HANDLED: ("verify",),
    S.VERIFIED: ("rate",),
}

# What rating leads where: "not satisfied" reopens the case; every other answer closes it.
AFTER_RATING = {
    "satisfied": S.CLOSED,
    "basic": S.CLOSED,
    "unsatisfied": S.REOPENED,
}

# Which deadline runs in which state, and from which category column.
STAGE_OF_STATE = {
    S.SUBMITTED: "accept",
    S.ACCEPTED: "accept",
    S.REOPENED: "accept",
    S.DISPATCHED: "sign",
    S.SIGNED: "handle",
    S.IN_PROGRESS: "handle",
    S.HANDLED: "verify",
}

# Events that are not transitions but still go on the timeline.
EVENT_LABELS = {
    "submit": _l("提交反映"),
    "remind": _l("临近时限提醒"),
    "overdue": _l("已超时，进入督办"),
    "metoo": _l("有居民也反映了这个问题"),
    "close_no_response": _l("7天未回复，按未回复结案"),
    "photo_public": _l("照片已审核可公开"),
    "claim": _l("反映人注册后认领了这条反映"),
}
