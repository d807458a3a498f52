"""One workflow core for every flow: grid reports, organization filings, volunteer sign-ups.

A flow is a state machine written down once, as a table:

    TRANSITIONS = {
        ("submitted", "accept"): step("accepted", {Role.DISPATCHER}, {"urgency"}, _l("受理")),
        ("submitted", "withdraw"): step("withdrawn", {"reporter"}, {"confirm"}, _l("撤回")),
    }

`who` names roles, checked against the object's place (`Flow.place_of`), and relations, which the
flow answers itself (`Flow.relations`: the reporter of this case, the officer of this
organization, the volunteer of this sign-up). A Flow subclass supplies the table, its effects,
its event model (`Flow.record`) and whom to tell (`Flow.tell`); `Flow.apply` is then the only way
an object's state changes: it looks up the step, checks role and place, the version the person
saw and the inputs the step needs, runs the effect, writes the event with its actor, tells whoever
is concerned, and commits. Views draw their buttons from `Flow.actions_for`, the same table.

Deadlines belong here too: `due_after` counts hours or working days, and `Flow.tick` reminds
before a deadline, marks what is overdue and closes what went silent, each object once a stage,
even with a tick running at the same moment on another instance: it works only on rows it has
claimed (`claim`, `each_claimed`: FOR UPDATE SKIP LOCKED on PostgreSQL).

This module imports nothing from a feature."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from blueprints.core.access import can
from blueprints.core.errors import Conflict, Refused
from blueprints.core.workdays import add_workdays
from blueprints.util.times import utcnow
from extensions import db

STALE = _l("这件事刚被别人处理过，页面已更新，请看最新情况后再操作。")
MOVED_ON = _l("这件事的状态已经变了，请看最新情况。")
NOT_YOURS = _l("您不能对这件事做这个操作。")


@dataclass(frozen=True)
class Step:
    to: str | None  # None keeps the state (a note, a reminder, an extension)
    who: frozenset
    needs: frozenset = field(default_factory=frozenset)
    label: object = ""
    public: bool = True  # shown on the timeline of the person the object is about
    danger: bool = False  # drawn as a secondary, confirm-first button


def step(to, who, needs=(), label="", public=True, danger=False):
    return Step(to, frozenset(who), frozenset(needs), label, public, danger)


@dataclass
class Change:
    """What an effect changed, beyond its own columns: the state it leads to instead of the
    table's, the note to record instead of what was typed, and a system detail (msgid, values)."""

    to: str | None = None
    note: str | None = None
    detail: tuple | None = None


def claim(query, of):
    """The rows of a tick's query that this tick may work on. On PostgreSQL the rows of `of` (a
    model: never the outer-joined tables it loads with it) are locked FOR UPDATE SKIP LOCKED: a
    tick running at the
    same moment elsewhere passes them by, and once this one commits they no longer match its
    query. SQLite writes one transaction at a time and runs on one machine: there the ticks
    themselves take turns (blueprints/core/jobs.py, `one_at_a_time`)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return query
    return query.with_for_update(skip_locked=True, of=of)


def each_claimed(query, model):
    """The rows of a query one at a time, each claimed in a transaction of its own, for work that
    commits as it goes (a workflow step does). What a step moved on no longer matches; a row the
    work left as it was is not offered again."""
    done = []
    while True:
        obj = db.session.scalars(
            claim(query.where(model.id.not_in(done)).order_by(model.id).limit(1), model)
        ).first()
        if obj is None:
            return
        done.append(obj.id)
        yield obj
        db.session.commit()


def due_after(start, hours=0, workdays=0):
    """A deadline: the end of the n-th working day (the admins' calendar), else start + hours."""
    if workdays:
        return add_workdays(start, workdays)
    return start + timedelta(hours=hours)


class Flow:
    """A flow hands the core its table and hooks. Subclasses override what they need."""

    transitions: dict = {}
    # Timeline events that are not transitions (a reminder, an overdue mark): action -> label.
    event_labels: dict = {}
    # What each input of `needs` asks for when it is missing: need -> lazy message.
    needs: dict = {}
    # action -> effect(obj, actor, given) -> Change | None; raises Refused to stop the step.
    effects: dict = {}
    # relation name -> test(obj, user, context) -> bool
    relations: dict = {}
    # States in which an object is still open (its deadline runs, the tick looks at it).
    open_states: tuple = ()
    model = None  # the mapped class, with state, version, deadline_at, reminded_for, overdue_for

    # ---- what the flow says about one object --------------------------------------------

    def place_of(self, obj):
        raise NotImplementedError

    def refusal(self, _obj, _action, _user):
        """Rules of timing and separation the table's roles alone do not say (or None)."""
        return None

    def shown(self, _obj, _action, _user):
        """Whether a button the user may press is worth showing now (True by default)."""
        return True

    def record(self, obj, action, actor, before, after, note="", public=True, detail=None):
        """Write one timeline event in the flow's own event model."""
        raise NotImplementedError

    def tell(self, obj, action, before, after, public):
        """Inbox messages and texts for whoever this step concerns."""

    def entered(self, obj, action, before):
        """The object changed state (or was handed on): set its deadline, say."""

    # ---- the table --------------------------------------------------------------------

    def steps_from(self, state):
        return {action: s for (origin, action), s in self.transitions.items() if origin == state}

    def label_of(self, action):
        for (_state, name), found in self.transitions.items():
            if name == action:
                return found.label
        return self.event_labels.get(action, action)

    def may(self, found, obj, user, **context):
        for who in found.who:
            relation = self.relations.get(who)
            if relation is not None:
                if relation(obj, user, context):
                    return True
            elif user.is_authenticated and can(self.place_of(obj), who, user=user):
                return True
        return False

    def actions_for(self, obj, user, **context):
        """The buttons this user gets on this object, from the same table apply() uses."""
        return {
            action: found
            for action, found in self.steps_from(obj.state).items()
            if self.may(found, obj, user, **context)
            and self.shown(obj, action, user)
            and not self.refusal(obj, action, user)
        }

    # ---- the one way a state changes -----------------------------------------------------

    def check(self, obj, action, actor, version=None, context=None):
        """The step this actor may take now, or Refused / Conflict. Cheap: a view asks it before
        doing any work for the step (decoding an uploaded photo, say); apply() asks it again."""
        found = self.transitions.get((obj.state, action))
        if found is None:
            raise Conflict(MOVED_ON)
        if not self.may(found, obj, actor, **(context or {})):
            raise Refused(NOT_YOURS)
        if version is not None and str(version) != str(obj.version):
            raise Conflict(STALE)
        return found

    def apply(self, obj, action, actor, version=None, context=None, **given):
        """Take one step; commits, or raises Refused / Conflict with nothing stored."""
        found = self.check(obj, action, actor, version, context)
        for need in sorted(found.needs):
            if given.get(need) in (None, "", [], ()):
                raise Refused(self.needs[need], field=need)
        refused = self.refusal(obj, action, actor)
        if refused:
            raise Refused(refused)
        who = actor if actor is not None and actor.is_authenticated else None
        before = obj.state
        # Someone else's change shows up at the first flush, and any query below may autoflush:
        # all of it is inside the try.
        try:
            effect = self.effects.get(action)
            change = (effect(obj, who, given) if effect else None) or Change()
            after = change.to or found.to or before
            note = change.note
            if note is None:
                note = str(given.get("note") or given.get("reason") or "").strip()
            obj.state = after
            if after != before or change.to:
                self.entered(obj, action, before)
            public = found.public and not given.get("internal")
            self.record(obj, action, who, before, after, note, public, change.detail)
            self.tell(obj, action, before, after, public)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            raise Conflict(STALE) from None
        except Refused:
            db.session.rollback()
            raise
        return obj

    # ---- the clock ------------------------------------------------------------------------

    def remind(self, obj):
        """Tell whoever must act that the deadline is near (the tick calls it once a stage)."""

    def overdue(self, obj):
        """The deadline passed: mark it, tell people (once a stage)."""

    def silent(self, _now):
        """A query of the objects that waited too long for an answer, to be closed one by one by
        close_silent() (or None)."""
        return None

    def close_silent(self, obj):
        """Close one object that got no answer."""

    def tick(self, now=None, warn=timedelta(hours=2)):
        """Reminders before deadlines, overdue marks, silent objects closed. Each object is marked
        with the state it was told about, so running twice tells nothing twice; each is claimed
        first, so two ticks at once tell nothing twice either."""
        now = now or utcnow()
        model = self.model
        open_with_deadline = select(model).where(
            model.state.in_(self.open_states), model.deadline_at.is_not(None)
        )
        counts = {"reminded": 0, "overdue": 0, "closed": 0}
        for obj in db.session.scalars(
            claim(
                open_with_deadline.where(model.deadline_at < now, model.overdue_for != model.state),
                model,
            )
        ).all():
            obj.overdue_for = obj.state
            self.overdue(obj)
            counts["overdue"] += 1
        for obj in db.session.scalars(
            claim(
                open_with_deadline.where(
                    model.deadline_at >= now,
                    model.deadline_at < now + warn,
                    model.reminded_for != model.state,
                ),
                model,
            )
        ).all():
            obj.reminded_for = obj.state
            self.remind(obj)
            counts["reminded"] += 1
        db.session.commit()
        silent = self.silent(now)
        if silent is None:
            return counts
        # What was silent when the tick began: closing one may start another's clock (a freed
        # seat offered on), which waits for a later tick.
        began = db.session.scalars(silent.with_only_columns(model.id)).all()
        for obj in each_claimed(silent.where(model.id.in_(began)), model):
            self.close_silent(obj)
            counts["closed"] += 1
        return counts
