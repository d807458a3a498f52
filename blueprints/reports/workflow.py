"""The whole grid-reporting loop, readable at a glance. Nothing else sets a report's state: the
workflow core (blueprints/core/workflow.py) applies this table through ReportFlow below, with
the effects of steps.py, the deadlines of deadlines.py and the messages of messages.py.

Each step: (state, action) → where it goes, who may take it, what must be given.
`who` names roles checked against the report's place, plus two relations:
  "reporter"  the resident who reported it (signed in, or holding the tracking code);
  "assignee"  the grid worker it was sent to, or a handler of the department it was sent to.
`to=None` keeps the state (notes, extensions, supervision).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from blueprints.core.access import can
from blueprints.core.roles import Role as R
from blueprints.core.workflow import Flow, step
from blueprints.reports import messages
from blueprints.reports.deadlines import DEADLINES
from blueprints.reports.models import OPEN_STATES, Report
from blueprints.reports.models import ReportState as S
from blueprints.reports.refs import event
from blueprints.reports.steps import EFFECTS, NEEDS

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
    # from handled straight to verified (steps._handle), so there is no rating from handled.
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


def on_reporter(report, user, context):
    """The resident who reported it: signed in, or holding the tracking code on this device."""
    return bool(context.get("tracker")) or (user.is_authenticated and report.reporter_id == user.id)


def on_assignee(report, user, _context):
    """The grid worker it was sent to, or a handler of the department it was sent to."""
    return user.is_authenticated and (
        report.assignee_id == user.id
        or (report.department is not None and can(report.department, R.HANDLER, user=user))
    )


class ReportFlow(Flow):
    """Grid reporting on the workflow core."""

    model = Report
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    effects = EFFECTS
    relations = {"reporter": on_reporter, "assignee": on_assignee}
    open_states = OPEN_STATES
    deadlines = DEADLINES

    def place_of(self, report):
        return report.grid

    def refusal(self, report, action, user):
        """Rules of timing and separation that the table's roles alone do not say."""
        if action in ("verify", "redo") and user.is_authenticated and report.assignee_id == user.id:
            return _("办理人不能核查自己办的案件，请另一位网格员或指挥中心核查。")
        if action == "supervise" and not report.overdue:
            return _("还没到时限，可以先催办。")
        if action == "urge" and report.overdue:
            return _("已经超时，请督办。")
        return None

    def shown(self, report, action, _user):
        if action in ("approve_extension", "refuse_extension"):
            return bool(report.extension_hours)
        if action == "ask_extension":
            return not report.extension_hours
        if action == "rate":
            return not report.rating
        if action == "urge":  # someone to urge
            return bool(report.assignee_id or report.department_id)
        return True

    def record(self, report, action, actor, before, after, note="", public=True, detail=None):
        event(report, action, actor, before, after, note, public=public, detail=detail)

    def tell(self, report, action, before, after, public):
        messages.tell(report, action, before, after, public)

    def overdue(self, report):
        report.supervised = True
        event(report, "overdue", None, report.state, report.state, "", public=False)
        messages.tell_overdue(report)

    def remind(self, report):
        event(report, "remind", None, report.state, report.state, "", public=False)
        messages.tell_near_deadline(report)

    def silent(self, now):
        """Follow-ups nobody answered within FOLLOW_UP_DAYS."""
        return select(Report).where(Report.state == S.VERIFIED, Report.deadline_at < now)

    def close_silent(self, report):
        report.rating = "no_response"
        event(report, "close_no_response", None, S.VERIFIED, S.CLOSED, "")
        report.state = S.CLOSED
        report.deadline_at = None


FLOW = ReportFlow()


def actions_for(report, user, tracker=False):
    """The buttons this user gets on this report, drawn from the same table apply() uses."""
    return FLOW.actions_for(report, user, tracker=tracker)


def primary_first(report, actions):
    """The step a case page leads with (or None), and the others, in the table's order."""
    primary = next((a for a in PRIMARY.get(report.state, ()) if a in actions), None)
    rest = {action: found for action, found in actions.items() if action != primary}
    return primary, rest


def apply(report, action, actor, version=None, tracker=False, **given):
    return FLOW.apply(report, action, actor, version, {"tracker": tracker}, **given)


def sla_tick(now=None):
    """Reminders before deadlines, overdue cases into supervision, silent follow-ups closed.
    Each case is marked with what it was told, so running twice sends nothing twice."""
    return FLOW.tick(now)
