"""One workflow core for every flow: grid reports, organization filings, volunteer sign-ups and
hours, room bookings.

A flow is a state machine written down once, as a table:

    TRANSITIONS = {
        (S.SUBMITTED, "accept"): step(S.ACCEPTED, {Role.DISPATCHER}, {"urgency"}, _l("受理")),
        (S.SUBMITTED, "withdraw"): step(S.WITHDRAWN, {"reporter"}, {"confirm"}, _l("撤回")),
    }

`who` names roles, checked against the object's place (`Flow.place_of`), and relations, which the
flow answers itself (`Flow.relations`: the reporter of this case, the officer of this
organization, the volunteer of this sign-up). `Flow.apply` is then the only way an object's state
changes: it looks up the step, checks role and place, the version the person saw and the inputs
the step needs, runs the effect, writes the event with its actor, starts the clock of the state
it entered, tells whoever is concerned, and commits. Views draw their buttons from
`Flow.actions_for`, the same table.

Deadlines belong here too: `due_after` counts hours or working days, and `Flow.tick` reminds
before a deadline, marks what is overdue and closes what went silent, each object once a stage,
even with a tick running at the same moment on another instance: it works only on rows it has
claimed (`claim`, `each_claimed`: FOR UPDATE SKIP LOCKED on PostgreSQL).

This module imports nothing from a feature.

How a flow joins the core (blueprints/reports is the worked example)
--------------------------------------------------------------------
1. States. A StrEnum in the feature's models.py (`class BookingState(StrEnum)`); the table, the
   deadlines and the code name states through it, never as bare strings.

2. The model. Mix `FlowColumns` in before `db.Model` and say where a new object starts:

       class Booking(FlowColumns, db.Model):
           initial_state = BookingState.REQUESTED

   The mixin brings state, version (SQLAlchemy's version_id_col: a stale write is a
   StaleDataError, which apply() answers as a Conflict), deadline_at, reminded_for and
   overdue_for, with the very names, types and defaults the tables already have: delete the
   model's own lines for them and its `__mapper_args__`, and no migration is needed (the
   migrations test compares the models with the upgraded database). Indexes that name these
   columns by string keep working.

3. The table and the flow, in the feature's workflow.py: TRANSITIONS (as above), then

       class BookingFlow(Flow):
           model = Booking
           transitions = TRANSITIONS
           event_labels = {"remind": _l("临近审批时限提醒")}   # timeline events not in the table
           needs = {"reason": _l("请写明原因。")}              # what a missing input asks for
           effects = {"decline": _decline}     # action -> effect(obj, actor, given) -> Change|None
           relations = {"booker": on_booker}   # relation -> test(obj, user, context) -> bool
           open_states = (BookingState.REQUESTED,)
           deadlines = {BookingState.REQUESTED: Due(workdays=2)}

           def place_of(self, booking): ...
           def record(self, booking, action, actor, before, after, note="", public=True,
                      detail=None): ...       # one event in the flow's TimelineEntry model
           def tell(self, booking, action, before, after, public):
               messages.tell(booking, action, before, after, public)

       FLOW = BookingFlow()

   The instance is always named FLOW. Optional hooks: `refusal` (rules of timing or separation
   the roles do not say), `shown` (a button not worth showing now), `remind`, `overdue`,
   `silent` / `close_silent` (the tick's work), `on_entry`.

4. Deadlines as data. `Flow.deadlines` maps a state to its clock: a `Due(hours=…)` or
   `Due(workdays=…)`, or a function (obj, start) -> datetime | None when the span depends on the
   object (a report's category; a sign-up's offer that ends no later than its shift). A state
   not in the map has no deadline. Whenever apply() enters a state (or an effect hands the
   object on, `Change(to=…)`), `Flow.entered` runs `start_clock`: deadline_at from the map,
   reminded_for and overdue_for cleared. Do not override `entered`; a flow that must do more
   on entry (a sign-up's stage counter that voids the links sent so far) overrides `on_entry`.
   Code that creates an object in its first state calls `start_clock(obj, FLOW.deadlines)`.

5. Messages. Everything the flow tells people (inbox notices, texts) lives in the feature's
   messages.py: `tell(obj, action, before, after, public)` and whatever `remind` / `overdue`
   send. Effects change columns and return a Change; they send nothing.

6. The action URL: a `blueprints.core.acts.ActView` for the flow. It needs `load(**url_values)`
   (the object, or abort(404) / abort(403) for one this person may not open: the access check
   lives here), `url(obj)` (its page) and `page(obj, status, error=None, typed=None)` (its page
   drawn with that status), given by name; a flow whose steps read more than the form's fields
   subclasses it instead and overrides `context(obj)` (what the relations need: a tracking code
   held), `inputs(obj, action)` (the step's answers, read only once `Flow.check` has said the
   person may take it: the form's fields by default, minus csrf_token and version) or
   `dropped(given)` (undo what `inputs` stored, such as a photo, when the step is then not
   taken). `route` puts the one URL that answers every step on the feature's blueprint (GET
   and POST, @allow's audience, 60 steps a minute):

       ActView(FLOW, load=booking_or_404, page=booking_page, url=booking_url).route(
           bp, "/bookings/<int:booking_id>/act/<action>", SIGNED_IN
       )

   Answers: taken, 303 to the page (htmx gets the page itself, `advance`), flashing
   "已完成：<step>"; Refused, 422 and the page with `error` (a StepError: action, message,
   field) and `typed` (the form as sent); Conflict (a stale version, a state moved on, an
   unknown step), 409 and the fresh page, the reason flashed; GET (a reload after a refusal),
   303 to the page. A flow does not catch Refused or Conflict in its views.

7. Templates, from templates/_flow.html, built to be imported inside the page's block:
   `refusal(error, actions)` the summary at the top of the page; `step_form(action, step,
   url, version, error, kind, multipart)` one form per action the person has (csrf, version,
   title, the reason by the refused form, the button: danger steps red, others `kind`), the
   step's own fields in a call block told whether this form was refused, with `textarea` for
   the common text answers; `timeline(events, FLOW.label_of, empty)` the events, each drawn
   by a call block instead when readers see different words. See templates/reports/_act.html
   and show.html.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
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


class FlowColumns:
    """The columns of an object a flow moves: its state (starting at the class's
    `initial_state`), its version (a stale write fails), and its clock (the deadline, and the
    state it was last reminded of and marked overdue in)."""

    initial_state: ClassVar[str]

    deadline_at: Mapped[datetime | None]
    reminded_for: Mapped[str] = mapped_column(String(20), default="")
    overdue_for: Mapped[str] = mapped_column(String(20), default="")
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr
    def state(cls) -> Mapped[str]:
        return mapped_column(String(20), default=cls.initial_state)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


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


@dataclass(frozen=True)
class Due:
    """A state's clock as data: so many hours, or to the end of the n-th working day."""

    hours: int = 0
    workdays: int = 0

    def __call__(self, _obj, start):
        return due_after(start, self.hours, self.workdays)


def blank(value):
    """A step's input that says nothing: missing, empty, or only spaces."""
    return value in (None, [], ()) or (isinstance(value, str) and not value.strip())


def start_clock(obj, deadlines, now=None):
    """The object's clock for the state it is in: its deadline from `deadlines` (state -> Due,
    or a function (obj, start) -> datetime | None), nothing reminded or overdue yet."""
    rule = deadlines.get(obj.state)
    obj.deadline_at = rule(obj, now or utcnow()) if rule else None
    obj.reminded_for = obj.overdue_for = ""


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
    # state -> Due, or a function (obj, start) -> datetime | None: the clock of each state.
    deadlines: dict = {}
    model = None  # the mapped class, with FlowColumns

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
        """The object changed state (or was handed on): its clock starts again."""
        start_clock(obj, self.deadlines)
        self.on_entry(obj, action, before)

    def on_entry(self, obj, action, before):
        """Whatever else entering a state means for this flow (nothing by default)."""

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
        # A page drawn before someone else's step lost a race, whoever may take this one now.
        if version is not None and str(version) != str(obj.version):
            raise Conflict(STALE)
        if not self.may(found, obj, actor, **(context or {})):
            raise Refused(NOT_YOURS)
        return found

    def apply(self, obj, action, actor, version=None, context=None, **given):
        """Take one step; commits, or raises Refused / Conflict with nothing stored."""
        found = self.check(obj, action, actor, version, context)
        for need in sorted(found.needs):
            if blank(given.get(need)):
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
