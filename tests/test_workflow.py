"""The workflow core stands alone: a two-state flow that knows nothing of grid reports, on a
table of its own (kept out of the app's metadata, so migrations never see it)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from blueprints.core.errors import Conflict, Refused
from blueprints.core.workflow import Change, Flow, FlowColumns, due_after, step
from blueprints.places.models import Grid
from blueprints.util.times import utcnow
from extensions import db
from tests.people import C02_GRID_WORKER, GRID_WORKER, RESIDENT, person

ROOT = Path(__file__).resolve().parent.parent


class Base(DeclarativeBase):
    pass


class Lamp(FlowColumns, Base):
    """A street lamp someone asked to be fixed: asked → fixed."""

    __tablename__ = "test_lamp"
    initial_state = "asked"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey(Grid.id))
    asked_by: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(200), default="")


class LampFlow(Flow):
    model = Lamp
    open_states = ("asked",)
    transitions = {
        ("asked", "fix"): step("fixed", {"grid_worker"}, {"note"}, "fix"),
        ("asked", "cancel"): step("cancelled", {"asker"}, (), "cancel"),
        ("asked", "comment"): step(None, {"asker", "grid_worker"}, {"note"}, "comment"),
    }
    needs = {"note": "say what you did"}
    relations = {
        "asker": lambda lamp, user, _context: user.is_authenticated and lamp.asked_by == user.id
    }

    def __init__(self):
        self.events, self.told, self.reminded, self.late = [], [], [], []
        self.effects = {"fix": self.fix}

    def place_of(self, lamp):
        return db.session.get(Grid, lamp.grid_id)

    def fix(self, lamp, actor, given):
        if given["note"] == "not really":
            raise Refused("a fix must be real", field="note")
        lamp.note = given["note"]
        return Change(detail=("fixed by %(who)s", {"who": actor.phone}))

    def record(self, _lamp, action, actor, before, after, note="", public=True, detail=None):  # noqa: ARG002  (the core passes it; this flow keeps no public flag)
        self.events.append((action, actor.phone if actor else None, before, after, note, detail))

    def tell(self, _lamp, action, _before, _after, _public):
        self.told.append(action)

    def remind(self, lamp):
        self.reminded.append(lamp.id)

    def overdue(self, lamp):
        self.late.append(lamp.id)


@pytest.fixture
def lamps(app, demo, ctx):
    Base.metadata.create_all(db.engine)
    yield
    db.session.remove()
    Base.metadata.drop_all(db.engine)


def a_lamp(grid_code="G01", asked_by=None, **values):
    grid = db.session.scalar(db.select(Grid).where(Grid.code == grid_code))
    lamp = Lamp(grid_id=grid.id, asked_by=asked_by, **values)
    db.session.add(lamp)
    db.session.commit()
    return lamp


def test_the_core_imports_nothing_from_a_feature():
    imported = {
        node.module
        for name in ("workflow.py", "acts.py")
        for node in ast.walk(ast.parse((ROOT / "blueprints/core" / name).read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    features = {"reports", "orgs", "volunteers", "open311", "admin", "auth", "notices", "places"}
    assert not {m for m in imported if m.split(".")[1:2] and m.split(".")[1] in features}


def test_a_step_checks_role_place_inputs_and_records_who(lamps):
    flow, lamp = LampFlow(), a_lamp()
    worker, outsider = person(GRID_WORKER), person(C02_GRID_WORKER)  # G01-G02 / G04
    assert set(flow.actions_for(lamp, worker)) == {"fix", "comment"}
    assert flow.actions_for(lamp, outsider) == {}
    with pytest.raises(Refused):
        flow.apply(lamp, "fix", outsider, note="done")
    with pytest.raises(Refused) as missing:
        flow.apply(lamp, "fix", worker, note="")
    assert missing.value.field == "note"
    assert str(missing.value) == "say what you did"
    with pytest.raises(Refused) as fake:
        flow.apply(lamp, "fix", worker, note="not really")
    assert fake.value.field == "note"
    assert lamp.state == "asked"
    assert flow.events == []
    flow.apply(lamp, "fix", worker, version=lamp.version, note="new bulb")
    db.session.expire_all()
    stored = db.session.get(Lamp, lamp.id)
    assert (stored.state, stored.note) == ("fixed", "new bulb")
    assert flow.events == [
        (
            "fix",
            GRID_WORKER,
            "asked",
            "fixed",
            "new bulb",
            ("fixed by %(who)s", {"who": GRID_WORKER}),
        )
    ]
    assert flow.told == ["fix"]


def test_a_relation_is_asked_of_the_flow(lamps):
    flow = LampFlow()
    resident = person(RESIDENT)
    mine, theirs = a_lamp(asked_by=resident.id), a_lamp(asked_by=None)
    assert set(flow.actions_for(mine, resident)) == {"cancel", "comment"}
    assert flow.actions_for(theirs, resident) == {}
    flow.apply(mine, "comment", resident, note="still dark")
    assert mine.state == "asked"
    assert flow.events[-1][0] == "comment"


def test_a_stale_version_or_a_moved_state_is_a_conflict(lamps):
    flow, lamp = LampFlow(), a_lamp()
    worker = person(GRID_WORKER)
    with pytest.raises(Conflict):
        flow.apply(lamp, "fix", worker, version=lamp.version + 1, note="x")
    flow.apply(lamp, "fix", worker, note="new bulb")
    with pytest.raises(Conflict):
        flow.apply(lamp, "fix", worker, note="again")


def test_the_tick_reminds_and_marks_overdue_once_a_stage(lamps):
    flow = LampFlow()
    now = utcnow()
    soon = a_lamp(deadline_at=now + timedelta(hours=1))
    late = a_lamp(deadline_at=now - timedelta(minutes=5))
    a_lamp(deadline_at=now + timedelta(days=2))
    assert flow.tick(now) == {"reminded": 1, "overdue": 1, "closed": 0}
    assert flow.reminded == [soon.id]
    assert flow.late == [late.id]
    assert flow.tick(now) == {"reminded": 0, "overdue": 0, "closed": 0}


def test_deadlines_count_hours_or_working_days(ctx):
    monday_morning = utcnow().replace(year=2026, month=11, day=30, hour=1, minute=0)
    assert due_after(monday_morning, hours=4) == monday_morning + timedelta(hours=4)
    friday = due_after(monday_morning, workdays=4)
    assert friday.date().isoformat() == "2026-12-04"
    assert friday.hour == 10
