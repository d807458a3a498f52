"""How fast the staff pages stay on a big reports table. A benchmark, not a test.

Usage: .venv/bin/python bench/reports.py --reports 100000
       .venv/bin/python bench/reports.py --reports 20000 \\
           --database-url postgresql://postgres@127.0.0.1:5432/test

It builds a throwaway database: a SQLite file in a temp dir by default, or, for a PostgreSQL
URL, a uniquely named database on that server, created at the start and dropped at the end. It
loads the demo street, accounts and categories, bulk-inserts N reports (mostly closed, as two
years of a live system would be) with one or two timeline events each, then times the staff pages
through the Flask test client: p50 and p99 against the trivial /healthz page, and the number of
SQL statements each page runs. Last, it shows the query plans of the list queries, and whether
they use an index.

On PostgreSQL the rows can be made by the server itself (--sql-generate; the default there
from 1M reports): one INSERT … SELECT over generate_series for the reports, two for their
events, with the same mix as the Python batches. Several sizes, each in a fresh database, and
each page's growth from the smallest to the largest:
       .venv/bin/python bench/reports.py --sizes 10000,1000000,10000000 \
           --database-url postgresql://postgres@127.0.0.1:5432/test

A candidate index can be tried without touching the models:
       .venv/bin/python bench/reports.py --extra-sql \
           "CREATE INDEX ix_try ON report (assignee_id, state, deadline_at)"
"""

import argparse
import gzip
import html
import logging
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import namedtuple
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex, DropIndex

from app import create_app
from blueprints.auth.demo import DEMO_PASSWORD
from blueprints.auth.models import RoleGrant, User
from blueprints.main.cli import load_demo
from blueprints.places.models import Department, Grid
from blueprints.reports.deadlines import STAGE_OF_STATE
from blueprints.reports.demo import DESCRIPTIONS
from blueprints.reports.models import OPEN_STATES, Category, Report, ReportEvent
from blueprints.reports.refs import make_ref
from blueprints.util.times import utcnow
from extensions import db

DAY = 24 * 3600
PROGRESS_EVERY = 100_000
SQL_GENERATE_FROM = 1_000_000
YEARS_2 = 730 * DAY
DISPATCHER, WORKER, HANDLER, RESIDENT = "13800000003", "13800000002", "13800000004", "13800000001"

# Share of each state, in percent: a table two years old is mostly closed cases.
STATE_MIX = {
    "closed": 85.0,
    "returned": 1.5,
    "withdrawn": 0.5,
    "merged": 1.0,
    "verified": 1.0,
    "submitted": 2.0,
    "accepted": 1.5,
    "dispatched": 2.0,
    "signed": 1.5,
    "in_progress": 2.5,
    "handled": 1.0,
    "reopened": 0.5,
}
SOURCE_MIX = {"web": 75, "assisted": 10, "patrol": 15}
RATING_MIX = {"satisfied": 70, "basic": 20, "no_response": 10}
# The last timeline step that brought a report to its state: (action, state before).
LAST_STEP = {
    "accepted": ("accept", "submitted"),
    "returned": ("return", "submitted"),
    "withdrawn": ("withdraw", "submitted"),
    "merged": ("merge", "submitted"),
    "dispatched": ("dispatch", "accepted"),
    "signed": ("sign", "dispatched"),
    "in_progress": ("start", "signed"),
    "handled": ("handle", "in_progress"),
    "verified": ("verify", "handled"),
    "reopened": ("rate", "verified"),
    "closed": ("rate", "verified"),
}
ASSIGNED = {"dispatched", "signed", "in_progress", "handled", "verified", "closed"}
DISPATCHER_STEPS = {"accept", "return", "merge", "dispatch"}
ASSIGNEE_STEPS = {"sign", "start", "handle"}
NOTES = {"return": "不属于本街道管辖，已告知向区里反映。", "handle": "已到现场处理完毕。"}
OPEN311 = "/open311/v2/requests.json"
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "zh-CN,zh;q=0.9"}
NEXT_LINK = re.compile(r'<a class="link" href="([^"]+)">下一页</a>')
REPORT_SQL = re.compile(r"\bFROM (report|report_event)\b")

RefSource = namedtuple("RefSource", "id created_at")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports to generate")
    parser.add_argument(
        "--sizes",
        type=lambda text: sorted(int(n) for n in text.replace("_", "").split(",")),
        help="several sizes, each in a fresh database, e.g. 10000,1000000,10000000; then each "
        "page's growth from the smallest to the largest",
    )
    parser.add_argument(
        "--sql-generate",
        action="store_true",
        help="make the rows in SQL with generate_series (PostgreSQL; the default there from "
        f"{SQL_GENERATE_FROM:,} reports): minutes for 10M instead of hours",
    )
    parser.add_argument(
        "--database-url",
        help="sqlite:///new-file.db, or a PostgreSQL server URL (a fresh database is made there); "
        "default: a SQLite file in a temp dir",
    )
    parser.add_argument("--samples", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--batch", type=int, default=5000, help="rows per executemany")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--grid-workers",
        type=int,
        default=0,
        help="extra grid-worker accounts over the demo grids (the demo has 4), to see which "
        "pages' query counts grow with the staff",
    )
    parser.add_argument(
        "--extra-sql",
        action="append",
        default=[],
        metavar="SQL",
        help='SQL to run after the load, e.g. a candidate index "CREATE INDEX ix_try ON report '
        '(assignee_id, state)" or "ANALYZE" on SQLite; may be repeated (the models are left alone)',
    )
    return parser.parse_args()


# ---- the database ----------------------------------------------------------------------------


def normalized(url):
    """psycopg 3 is the pinned driver; a bare postgresql:// would mean psycopg2 to SQLAlchemy."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextmanager
def fresh_database(url, keep):
    """Yield the URL of an empty database, and remove it afterwards unless keep is set."""
    if not url:
        folder = tempfile.mkdtemp(prefix="linli-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            if keep:
                print(f"kept {folder}/bench.db")
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    server = make_url(normalized(url))
    if server.get_backend_name() == "sqlite":
        if server.database and server.database != ":memory:" and os.path.exists(server.database):
            raise SystemExit(f"{server.database} exists; give the name of a new file.")
        yield server.render_as_string(hide_password=False)
        return
    if server.get_backend_name() != "postgresql":
        raise SystemExit("Only SQLite and PostgreSQL URLs are supported.")
    name = f"linli_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_app(uri):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": uri,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
        }
    )
    logging.getLogger("linli.request").setLevel(logging.WARNING)
    return app


class QueryLog:
    """Counts the statements sent to the database and the time spent in them; keeps them too
    while `kept` is a list."""

    def __init__(self, engine):
        self.count, self.seconds, self.kept, self.started = 0, 0.0, None, 0.0
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def reset(self):
        self.count, self.seconds = 0, 0.0

    def before(self, _conn, _cursor, statement, parameters, _context, _executemany):
        self.count += 1
        if self.kept is not None:
            self.kept.append((statement, parameters))
        self.started = time.perf_counter()

    def after(self, _conn, _cursor, _statement, _parameters, _context, _executemany):
        self.seconds += time.perf_counter() - self.started


# ---- the data --------------------------------------------------------------------------------


class Demo:
    """Ids of the demo places and accounts the generated reports refer to."""

    def __init__(self):
        users = dict(db.session.execute(select(User.phone, User.id)).all())
        self.dispatcher, self.resident = users[DISPATCHER], users[RESIDENT]
        self.grids = db.session.scalars(select(Grid.id).order_by(Grid.code)).all()
        self.worker_of = dict(
            db.session.execute(
                select(RoleGrant.grid_id, RoleGrant.user_id)
                .where(RoleGrant.role == "grid_worker", RoleGrant.grid_id.is_not(None))
                .order_by(RoleGrant.id)
            ).all()
        )
        departments = dict(db.session.execute(select(Department.code, Department.id)).all())
        self.departments = sorted(departments.values())
        self.handler_of = {departments["D01"]: users[HANDLER]}
        self.categories = db.session.scalars(select(Category).order_by(Category.id)).all()
        self.hours = [
            {stage: c.deadline_hours(stage) for stage in ("accept", "sign", "handle", "verify")}
            for c in self.categories
        ]


def add_grid_workers(n):
    """n more grid workers, each granted one demo grid in turn, with the demo password."""
    password = db.session.scalar(select(User.password_hash).where(User.phone == WORKER))
    grids = db.session.scalars(select(Grid.id).order_by(Grid.code)).all()
    users = [
        {"phone": f"137{k:08d}", "name": f"网格员{k}", "password_hash": password} for k in range(n)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(User.__table__), users)
        ids = conn.scalars(select(User.id).where(User.phone.like("137%")).order_by(User.id)).all()
        grants = [
            {"user_id": user_id, "role": "grid_worker", "grid_id": grids[k % len(grids)]}
            for k, user_id in enumerate(ids)
        ]
        conn.execute(insert(RoleGrant.__table__), grants)


def plan(n, demo, rng):
    """(seconds ago, state, category index) for every report, oldest first, so that ids grow
    with created_at as they do in a real table. Closed cases spread evenly over two years;
    open ones are mostly recent, with a long tail of forgotten ones."""
    states = rng.choices(list(STATE_MIX), weights=list(STATE_MIX.values()), k=n)
    rows = []
    for state in states:
        category = rng.randrange(len(demo.categories))
        if state == "submitted":
            hours = demo.hours[category]["accept"]
            age = rng.uniform(0, 1.3) * hours * 3600
        elif state in OPEN_STATES or state == "verified":
            age = min(YEARS_2, rng.expovariate(1 / (20 * DAY)))
        else:
            age = rng.uniform(DAY, YEARS_2)
        rows.append((age, state, category))
    rows.sort(key=lambda row: -row[0])
    return rows


def report_row(report_id, age, state, category, demo, rng, now):
    """One report and its timeline events, as plain dicts for executemany."""
    created = now - timedelta(seconds=age)
    grid = rng.choice(demo.grids)
    urgent = rng.random() < 0.1
    source = rng.choices(list(SOURCE_MIX), list(SOURCE_MIX.values()))[0]
    reporter = demo.resident if source == "web" and rng.random() < 0.05 else None
    proxy = demo.worker_of[grid] if source != "web" else None
    phone = "" if source == "patrol" or rng.random() < 0.08 else f"139{rng.randrange(10**8):08d}"
    assignee = department = handler = None
    if state in ASSIGNED:
        if rng.random() < 0.6:
            assignee = handler = demo.worker_of[grid]
        else:
            department = rng.choice(demo.departments)
            handler = demo.handler_of.get(department)
    hours = demo.hours[category]
    stage = STAGE_OF_STATE.get(state)
    deadline = None
    if state == "submitted":
        at = created
        deadline = created + timedelta(hours=stage_hours(hours, "accept", urgent))
    elif state == "verified":  # waiting up to 7 days for the resident's rating
        at = max(created, now - timedelta(seconds=rng.uniform(0, 8 * DAY)))
        deadline = at + timedelta(days=7)
    elif stage:
        limit = stage_hours(hours, stage, urgent)
        at = max(created, now - timedelta(hours=rng.uniform(0, 1.3) * limit))
        deadline = at + timedelta(hours=limit)
    else:
        at = min(now, created + timedelta(seconds=rng.uniform(600, 10 * DAY)))
    overdue = deadline is not None and deadline < now
    located = rng.random() < 0.6
    row = {
        "id": report_id,
        "ref": make_ref(RefSource(report_id, created)),
        "submission_key": f"bench-{report_id}",
        "category_id": demo.categories[category].id,
        "grid_id": grid,
        "description": DESCRIPTIONS.get(demo.categories[category].code, "需要处理。"),
        "address": f"{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元附近",
        "lat": 28.20 + rng.uniform(-0.01, 0.01) if located else None,
        "lng": 112.97 + rng.uniform(-0.01, 0.01) if located else None,
        "state": state,
        "urgency": "urgent" if urgent else "normal",
        "source": source,
        "reporter_id": reporter,
        "reporter_phone": phone,
        "reporter_name": "",
        "proxy_id": proxy,
        "assignee_id": assignee,
        "department_id": department,
        "deadline_at": deadline,
        "reminded_for": state if overdue else "",
        "overdue_for": state if overdue else "",
        "supervised": overdue or rng.random() < 0.02,
        "extension_hours": 0,
        "extension_reason": "",
        "return_reason": NOTES["return"] if state == "returned" else "",
        "rating": rng.choices(list(RATING_MIX), list(RATING_MIX.values()))[0]
        if state == "closed"
        else "",
        "rating_comment": "",
        "metoo_count": rng.randrange(1, 4) if rng.random() < 0.05 else 0,
        "merged_into_id": report_id - rng.randrange(1, 200)
        if state == "merged" and report_id > 200
        else None,
        "created_at": created,
        "updated_at": at,
        "version": 1,
    }
    events = [event_row(report_id, created, reporter or proxy, "submit", "", "submitted")]
    if state != "submitted":
        action, before = LAST_STEP[state]
        if action in DISPATCHER_STEPS:
            actor = demo.dispatcher
        elif action in ASSIGNEE_STEPS:
            actor = handler
        elif action == "verify":
            actor = demo.worker_of[grid]
        else:
            actor = reporter
        events.append(event_row(report_id, at, actor, action, before, state))
    return row, events


def stage_hours(hours, stage, urgent):
    return max(1, hours[stage] // 2) if urgent else hours[stage]


def event_row(report_id, at, actor, action, before, after):
    return {
        "report_id": report_id,
        "at": at,
        "actor_id": actor,
        "action": action,
        "from_state": before,
        "to_state": after,
        "note": NOTES.get(action, ""),
        "public": True,
    }


def generate(app, n, batch, rng, picks):
    """Insert n reports in executemany batches; return {id: ref} for the ids in `picks`."""
    with app.app_context():
        demo = Demo()
        now = utcnow()
        planned = plan(n, demo, rng)
        refs = {}
        reports, events = Report.__table__, ReportEvent.__table__
        started, mark = time.perf_counter(), PROGRESS_EVERY
        with db.engine.begin() as conn:
            for start in range(0, n, batch):
                rows, timeline = [], []
                for offset, (age, state, category) in enumerate(planned[start : start + batch]):
                    report_id = start + offset + 1
                    row, row_events = report_row(report_id, age, state, category, demo, rng, now)
                    rows.append(row)
                    timeline.extend(row_events)
                    if report_id in picks:
                        refs[report_id] = row["ref"]
                conn.execute(insert(reports), rows)
                conn.execute(insert(events), timeline)
                done = start + len(rows)
                if done >= mark or done == n:
                    rate = done / (time.perf_counter() - started)
                    print(f"  {done:>9,} reports  {rate:>8,.0f}/s", flush=True)
                    mark += PROGRESS_EVERY
            if conn.dialect.name == "postgresql":
                for table in ("report", "report_event"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
        return refs, time.perf_counter() - started


# ---- the data, generated by PostgreSQL itself --------------------------------------------------


def sql_list(values):
    return ", ".join(f"'{v}'" for v in values)


def cumulative_case(draw, weights):
    """CASE picking a key of `weights` (percent or shares) by a uniform draw in [0, 1): a column,
    drawn once (random() here would be drawn again at every WHEN)."""
    total, seen, arms = sum(weights.values()), 0.0, []
    for key, weight in list(weights.items())[:-1]:
        seen += weight
        arms.append(f"WHEN {draw} < {seen / total!r} THEN '{key}'")
    return f"CASE {' '.join(arms)} ELSE '{list(weights)[-1]}' END"


def luhn_sql(body, length=11):
    """refs.luhn_digit() of an 11-digit text column, as one SQL expression (no function calls)."""
    terms = []
    for position in range(1, length + 1):
        d = f"substr({body}, {position}, 1)::int"
        if (length - position) % 2 == 0:  # doubled, counting from the right
            terms.append(f"(CASE WHEN {d} > 4 THEN {d} * 2 - 9 ELSE {d} * 2 END)")
        else:
            terms.append(d)
    return f"((10 - ({' + '.join(terms)}) % 10) % 10)::text"


def defaults_of(table, given):
    """The columns `given` leaves out that have a Python-side default (which Core's insert()
    would fill in): their names and SQL literals, so the SQL rows match the executemany ones."""
    names, literals = [], []
    for column in table.columns:
        if column.name in given or column.default is None or not column.default.is_scalar:
            continue
        value = column.default.arg
        names.append(column.name)
        literals.append(
            ("true" if value else "false")
            if isinstance(value, bool)
            else str(value)
            if isinstance(value, int)
            else "'" + str(value).replace("'", "''") + "'"
        )
    return names, literals


REPORT_COLUMNS = (
    "id, ref, submission_key, category_id, grid_id, description, address, lat, lng, state, "
    "urgency, source, reporter_id, reporter_phone, reporter_name, proxy_id, assignee_id, "
    "department_id, deadline_at, reminded_for, overdue_for, supervised, extension_hours, "
    "extension_reason, return_reason, rating, rating_comment, metoo_count, merged_into_id, "
    "created_at, updated_at, version"
)


def report_sql(demo):
    """One INSERT … SELECT over generate_series making the rows report_row() makes, with the
    same mix of states, ages, deadlines and people; ids numbered in created_at order."""
    categories = ", ".join(
        f"({k}, {c.id}, {c.hours_accept}, {c.hours_sign}, {c.hours_handle}, {c.hours_verify}, "
        f"'{DESCRIPTIONS.get(c.code, '需要处理。')}')"
        for k, c in enumerate(demo.categories)
    )
    grids = ", ".join(f"({k}, {g}, {demo.worker_of[g]})" for k, g in enumerate(demo.grids))
    departments = ", ".join(f"({k}, {d})" for k, d in enumerate(demo.departments))
    stage = " ".join(f"WHEN '{s}' THEN '{st}'" for s, st in STAGE_OF_STATE.items())
    open_or_verified = sql_list([*OPEN_STATES, "verified"])
    extra, literals = defaults_of(Report.__table__, REPORT_COLUMNS.split(", "))
    columns = ", ".join([REPORT_COLUMNS, *extra])
    values = ", ".join(literals)
    return f"""
INSERT INTO report ({columns})
SELECT id, body || {luhn_sql("body")}, 'bench-' || id, category_id, grid_id, description,
  (1 + floor(r_a1 * 29))::int || '栋' || (1 + floor(r_a2 * 5))::int || '单元附近',
  CASE WHEN r_loc < 0.6 THEN 28.20 + r_lat * 0.02 - 0.01 END,
  CASE WHEN r_loc < 0.6 THEN 112.97 + r_lng * 0.02 - 0.01 END,
  state, CASE WHEN urgent THEN 'urgent' ELSE 'normal' END, source,
  CASE WHEN source = 'web' AND r_reporter < 0.05 THEN :resident END,
  CASE WHEN source = 'patrol' OR r_phone < 0.08 THEN ''
       ELSE '139' || lpad(floor(r_phone_n * 1e8)::bigint::text, 8, '0') END,
  '', CASE WHEN source <> 'web' THEN worker END,
  CASE WHEN to_worker THEN worker END,
  CASE WHEN state IN ({sql_list(ASSIGNED)}) AND NOT to_worker THEN department END,
  deadline, CASE WHEN overdue THEN state ELSE '' END, CASE WHEN overdue THEN state ELSE '' END,
  overdue OR r_supervised < 0.02, 0, '',
  CASE WHEN state = 'returned' THEN '{NOTES["return"]}' ELSE '' END,
  CASE WHEN state = 'closed' THEN {cumulative_case("r_rating", RATING_MIX)} ELSE '' END, '',
  CASE WHEN r_metoo < 0.05 THEN 1 + floor(r_metoo_n * 3)::int ELSE 0 END,
  CASE WHEN state = 'merged' AND id > 200 THEN id - 1 - floor(r_merge * 199)::int END,
  created, at, 1{", " + values if values else ""}
FROM (
  SELECT *, to_char(created, 'YYMM') || lpad((id % 10000000)::text, 7, '0') AS body,
    coalesce(deadline < :now, false) AS overdue
  FROM (
    SELECT *,
      CASE WHEN state = 'verified' THEN at + interval '7 days'
           WHEN stage IS NOT NULL THEN at + hours * interval '1 hour' END AS deadline
    FROM (
      SELECT *,
        CASE WHEN state = 'submitted' THEN created
             WHEN state = 'verified'
               THEN greatest(created, :now - r_at * 8 * interval '1 day')
             WHEN stage IS NOT NULL
               THEN greatest(created, :now - r_at * 1.3 * hours * interval '1 hour')
             ELSE least(:now, created + (600 + r_at * ({10 * DAY} - 600)) * interval '1 second')
        END AS at
      FROM (
        SELECT *, row_number() OVER (ORDER BY created, g) AS id,
          state IN ({sql_list(ASSIGNED)}) AND r_assign < 0.6 AS to_worker
        FROM (
          SELECT *, :now - age * interval '1 second' AS created,
            CASE WHEN urgent THEN greatest(1, stage_hours / 2) ELSE stage_hours END AS hours
          FROM (
            SELECT *,
              CASE WHEN state = 'submitted' THEN r_age * 1.3 * hours_accept * 3600
                   WHEN state IN ({open_or_verified})
                     THEN least({YEARS_2}, -ln(1 - r_age) * {20 * DAY})
                   ELSE {DAY} + r_age * ({YEARS_2 - DAY}) END AS age,
              CASE stage WHEN 'accept' THEN hours_accept WHEN 'sign' THEN hours_sign
                         WHEN 'handle' THEN hours_handle WHEN 'verify' THEN hours_verify
              END AS stage_hours
            FROM (
              SELECT *, CASE state {stage} END AS stage
              FROM (
              SELECT drawn.*, c.*, gr.grid_id, gr.worker, d.department,
                {cumulative_case("r_state", STATE_MIX)} AS state,
                {cumulative_case("r_source", SOURCE_MIX)} AS source
              FROM (
                SELECT g, random() AS r_state, random() AS r_source,
                  floor(random() * {len(demo.categories)})::int AS c_idx,
                  floor(random() * {len(demo.grids)})::int AS g_idx,
                  floor(random() * {len(demo.departments)})::int AS d_idx,
                  random() < 0.1 AS urgent,
                  random() AS r_age, random() AS r_at, random() AS r_assign,
                  random() AS r_reporter, random() AS r_phone, random() AS r_phone_n,
                  random() AS r_loc, random() AS r_lat, random() AS r_lng,
                  random() AS r_a1, random() AS r_a2, random() AS r_supervised,
                  random() AS r_rating, random() AS r_metoo, random() AS r_metoo_n,
                  random() AS r_merge
                FROM generate_series(1, :n) AS g
              ) AS drawn
              JOIN (VALUES {categories})
                AS c(c_key, category_id, hours_accept, hours_sign, hours_handle, hours_verify,
                     description) ON c.c_key = drawn.c_idx
              JOIN (VALUES {grids}) AS gr(g_key, grid_id, worker) ON gr.g_key = drawn.g_idx
              JOIN (VALUES {departments}) AS d(d_key, department) ON d.d_key = drawn.d_idx
              ) AS placed
            ) AS staged
          ) AS aged
        ) AS dated
      ) AS numbered
    ) AS stepped
  ) AS due
) AS done
"""


def event_sql(demo):
    """The timeline of every report, as report_row() makes it: "submit" for all (by the reporter,
    else the proxy), then the step that brought it to its state, by whoever takes that step."""
    grids = ", ".join(f"({g}, {demo.worker_of[g]})" for g in demo.grids)
    handlers = ", ".join(f"({d}, {u})" for d, u in demo.handler_of.items())
    steps = ", ".join(
        f"('{state}', '{action}', '{before}', '{NOTES.get(action, '')}')"
        for state, (action, before) in LAST_STEP.items()
    )
    given = "report_id, at, actor_id, action, from_state, to_state, note, public"
    extra, literals = defaults_of(ReportEvent.__table__, given.split(", "))
    columns = ", ".join([given, *extra])
    tail = "".join(", " + v for v in literals)
    submit = f"""
INSERT INTO report_event ({columns})
SELECT id, created_at, coalesce(reporter_id, proxy_id), 'submit', '', 'submitted',
  '{NOTES.get("submit", "")}', true{tail}
FROM report ORDER BY id"""
    last = f"""
INSERT INTO report_event ({columns})
SELECT r.id, r.updated_at,
  CASE WHEN s.action IN ({sql_list(DISPATCHER_STEPS)}) THEN :dispatcher
       WHEN s.action IN ({sql_list(ASSIGNEE_STEPS)}) THEN coalesce(r.assignee_id, h.handler)
       WHEN s.action = 'verify' THEN gr.worker
       ELSE r.reporter_id END,
  s.action, s.before, r.state, s.note, true{tail}
FROM report AS r
JOIN (VALUES {steps}) AS s(state, action, before, note) ON s.state = r.state
JOIN (VALUES {grids}) AS gr(grid_id, worker) ON gr.grid_id = r.grid_id
LEFT JOIN (VALUES {handlers}) AS h(department_id, handler) ON h.department_id = r.department_id
ORDER BY r.id"""
    return submit, last


def generate_in_sql(app, n, seed, picks):
    """generate()'s rows made by PostgreSQL from generate_series: 10M reports in minutes rather
    than hours. Returns {id: ref} for the ids in `picks`, and the seconds taken."""
    with app.app_context():
        demo = Demo()
        started = time.perf_counter()
        with db.engine.begin() as conn:
            if conn.dialect.name != "postgresql":
                raise SystemExit("--sql-generate needs PostgreSQL.")
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            # A bulk load's shortcuts. The rows are consistent by construction: no foreign-key
            # trigger checks them one by one (the replica role; a superuser's only). The
            # secondary indexes are built once at the end, not kept up row by row.
            if conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            indexes = [*Report.__table__.indexes, *ReportEvent.__table__.indexes]
            for index in indexes:
                conn.execute(DropIndex(index))
            conn.execute(select(func.setseed((seed % 1000) / 1000)))
            params = {"n": n, "now": utcnow(), "resident": demo.resident}
            conn.execute(text(report_sql(demo)), params)
            print(f"  {n:>9,} reports  in {time.perf_counter() - started:.0f} s", flush=True)
            submit, last = event_sql(demo)
            conn.execute(text(submit))
            conn.execute(text(last), {"dispatcher": demo.dispatcher})
            events = conn.scalar(select(func.count()).select_from(ReportEvent.__table__))
            print(f"  {events:>9,} events   in {time.perf_counter() - started:.0f} s", flush=True)
            for index in indexes:
                conn.execute(CreateIndex(index))
            print(f"  {len(indexes)} indexes in {time.perf_counter() - started:.0f} s", flush=True)
            for table in ("report", "report_event"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            refs = dict(
                conn.execute(
                    select(Report.id, Report.ref).where(Report.id.in_(sorted(picks)))
                ).all()
            )
        return refs, time.perf_counter() - started


def prepare(app, candidates):
    """Run the --extra-sql statements (candidate indexes…), then give PostgreSQL the statistics
    autovacuum would gather soon after a bulk load. SQLite gets no ANALYZE: the app runs none."""
    with app.app_context(), db.engine.connect() as conn:
        for sql in candidates:
            started = time.perf_counter()
            conn.exec_driver_sql(sql)
            conn.commit()
            print(f"  {sql}  ({time.perf_counter() - started:.1f} s)")
        if conn.dialect.name == "postgresql":
            started = time.perf_counter()
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            print(f"  ANALYZE ({time.perf_counter() - started:.1f} s)")


def describe_data(app):
    with app.app_context():
        now = utcnow()
        states = dict(
            db.session.execute(select(Report.state, func.count()).group_by("state")).all()
        )
        events = db.session.scalar(select(func.count()).select_from(ReportEvent))
        opened = db.session.scalar(select(func.count()).where(Report.state.in_(OPEN_STATES)))
        overdue = db.session.scalar(
            select(func.count()).where(Report.state.in_(OPEN_STATES), Report.deadline_at < now)
        )
    total = sum(states.values())
    print(
        f"  {total:,} reports, {events:,} events; open {opened:,} ({opened / total:.1%}), "
        f"overdue {overdue:,}; closed {states.get('closed', 0):,}"
    )


# ---- the pages -------------------------------------------------------------------------------


def client_for(app, phone=None):
    client = app.test_client()
    if phone:
        response = client.post("/auth/login", data={"phone": phone, "password": DEMO_PASSWORD})
        if response.status_code != 303:
            raise SystemExit(f"login as {phone} failed: {response.status_code}")
    return client


def body_of(response):
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode()


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def pages(app, refs, rng):
    """(label, client, paths(i)) for every page measured; paths(i) gives the i-th URL."""
    anonymous = client_for(app)
    dispatcher = client_for(app, DISPATCHER)
    worker = client_for(app, WORKER)
    handler = client_for(app, HANDLER)
    first = dispatcher.get("/reports/queue", headers=HEADERS)
    found = NEXT_LINK.search(body_of(first))
    if not found:
        raise SystemExit("The queue's first page has no 下一页 link: too few open reports?")
    second = html.unescape(found.group(1))
    tracked = list(refs.values())
    rng.shuffle(tracked)
    n = len(tracked)
    return [
        ("GET /healthz (baseline)", anonymous, lambda _i: "/healthz"),
        ("queue (dispatcher)", dispatcher, lambda _i: "/reports/queue"),
        ("queue ?overdue=1", dispatcher, lambda _i: "/reports/queue?overdue=1"),
        ("queue page 2 (keyset)", dispatcher, lambda _i: second),
        ("tasks (grid worker)", worker, lambda _i: "/reports/tasks"),
        ("tasks (D01 handler)", handler, lambda _i: "/reports/tasks"),
        ("/reports/<ref> (dispatcher)", dispatcher, lambda i: f"/reports/{tracked[i % n]}"),
        ("open311 requests.json", anonymous, lambda _i: OPEN311),
        ("open311 …?page_size=1000", anonymous, lambda _i: f"{OPEN311}?page_size=1000"),
        ("open311 updates.json", anonymous, lambda _i: "/open311/v2/servicerequestupdates.json"),
    ]


def run_pages(page_list, log, warmup, samples):
    """One request to each page in turn, so that a burst of other work on the machine hits all
    pages alike; `warmup` untimed rounds first."""
    timed = {label: ([], [], []) for label, _client, _paths in page_list}
    for i in range(warmup + samples):
        for label, client, paths in page_list:
            log.reset()
            started = time.perf_counter()
            response = client.get(paths(i), headers=HEADERS)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"GET {paths(i)}: {response.status_code}")
            if i >= warmup:
                times, sql, counts = timed[label]
                times.append(elapsed)
                sql.append(log.seconds * 1000)
                counts.append(log.count)
    print(f"\n{samples} requests a page after {warmup} untimed ones; 'in SQL' is the p50 time")
    print("spent in cursor.execute, 'queries' the statements per request (min-max).")
    print(f"{'page':<30}{'p50 ms':>8}{'p99 ms':>8}{'p50/base':>10}{'in SQL':>8}{'queries':>9}")
    baseline = None
    p50s = {}
    for label, (times, sql, counts) in timed.items():
        p50, p99 = statistics.median(times), percentile(times, 99)
        p50s[label] = p50
        baseline = baseline or p50
        low, high = min(counts), max(counts)
        queries = str(low) if low == high else f"{low}-{high}"
        print(
            f"{label:<30}{p50:>8.1f}{p99:>8.1f}{p50 / baseline:>9.1f}x"
            f"{statistics.median(sql):>8.1f}{queries:>9}"
        )
    return p50s


# ---- the query plans -------------------------------------------------------------------------


def explain_pages(app, page_list, log):
    """The plan of every statement on report or report_event each page runs (one request)."""
    print("\nQuery plans (statements on report / report_event; SQL time = median of 20 runs)")
    seen = set()
    for label, client, paths in page_list[1:]:
        log.kept = []
        client.get(paths(0), headers=HEADERS)
        kept, log.kept = log.kept, None
        for statement, parameters in kept:
            if not REPORT_SQL.search(statement) or statement in seen:
                continue
            seen.add(statement)
            with app.app_context(), db.engine.connect() as conn:
                plan_lines, verdict = query_plan(conn, statement, parameters)
                ms = sql_time(conn, statement, parameters)
            print(f"\n{label}: {summary(statement)}")
            for line in plan_lines:
                print(f"    {line}")
            print(f"  -> {verdict}; SQL {ms:.2f} ms")


def summary(statement):
    """FROM … onwards, on one line: the select list is long and tells nothing about the plan."""
    text = " ".join(statement.split())
    text = text[text.find(" FROM ") + 1 :]
    return text if len(text) <= 400 else text[:400] + " …"


def sql_time(conn, statement, parameters, runs=20):
    times = []
    for _ in range(runs + 3):
        started = time.perf_counter()
        conn.exec_driver_sql(statement, parameters).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[3:])


def query_plan(conn, statement, parameters):
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        details = [row[3] for row in rows]
        return details, sqlite_verdict(details)
    rows = conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters).all()
    lines = [row[0] for row in rows]
    return condensed(lines), postgres_verdict(lines)


def condensed(lines):
    """The plan nodes with their actual row counts, and the lines that say what was filtered."""
    keep = re.compile(r"->|^\S|Index Cond|Filter|Rows Removed|Sort Method|Execution Time")
    out = []
    for line in lines:
        if not keep.search(line) or "Planning" in line:
            continue
        line = re.sub(r"\s*\(cost=[^)]*\)", "", line)
        line = re.sub(r"\(actual time=[^)]*? rows=(\d+) loops=(\d+)\)", r"(rows=\1)", line)
        out.append(line if len(line) <= 150 else line[:150] + " …")
    return out


def sqlite_verdict(details):
    notes = []
    for detail in details:
        found = re.match(r"(SCAN|SEARCH) (report(?:_event)?)\b(.*)", detail)
        if found:
            verb, table, rest = found.groups()
            index = re.search(r"USING (?:COVERING )?INDEX (\w+)", rest)
            if "PRIMARY KEY" in rest:
                notes.append(f"{table}: primary key")
            elif index and verb == "SEARCH":
                notes.append(f"{table}: index {index.group(1)}")
            elif index:
                notes.append(f"{table}: reads index {index.group(1)} in order")
            else:
                notes.append(f"{table}: FULL TABLE SCAN, no index")
        if "TEMP B-TREE" in detail:
            notes.append("sorts every matching row (temp B-tree)")
    return "; ".join(dict.fromkeys(notes)) or "no report table access"


def postgres_verdict(lines):
    notes = []
    for line in lines:
        if re.search(r"Seq Scan on (report|report_event)\b", line):
            notes.append("FULL TABLE SCAN (Seq Scan), no index")
        found = re.search(
            r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)", line
        )
        if found:
            notes.append(f"{found.group(1)} {found.group(2)}")
        found = re.search(r"Sort Method: ([\w\- ]+?)\s+Memory", line) or re.search(
            r"Sort Method: ([\w\- ]+)", line
        )
        if found:
            notes.append(f"sort ({found.group(1).strip()})")
        found = re.search(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", line)
        if found and int(found.group(1)) > 0:
            notes.append(f"{int(found.group(1)):,} rows read and thrown away")
    return "; ".join(dict.fromkeys(notes)) or "no report table access"


def load():
    """Other work on the machine skews the figures; say how much there was."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} CPUs"


# ---- main ------------------------------------------------------------------------------------


def measure(args, n, in_sql):
    """One size: a fresh database with n reports, its pages timed and their plans shown.
    Returns {page: p50 ms}."""
    rng = Random(args.seed)
    with fresh_database(args.database_url, args.keep) as uri:
        app = make_app(uri)
        with app.app_context():
            db.create_all()
            load_demo(with_reports=False)
            if args.grid_workers:
                add_grid_workers(args.grid_workers)
            backend = db.engine.dialect.name
            version = db.session.execute(
                select(func.sqlite_version() if backend == "sqlite" else func.version())
            ).scalar()
            log = QueryLog(db.engine)
        extra = f" and {args.grid_workers:,} extra grid workers" if args.grid_workers else ""
        how = "in SQL (generate_series)" if in_sql else "in Python batches"
        print(f"\n{backend} {version.split(' on ')[0]}; {n:,} reports{extra} made {how}; {load()}")
        picks = set(rng.sample(range(1, n + 1), min(n, 10 * args.samples)))
        if in_sql:
            refs, took = generate_in_sql(app, n, args.seed, picks)
        else:
            refs, took = generate(app, n, args.batch, rng, picks)
        print(f"generated in {took:.1f} s ({n / took:,.0f} reports/s)")
        prepare(app, args.extra_sql)
        describe_data(app)
        page_list = pages(app, refs, rng)
        p50s = run_pages(page_list, log, args.warmup, args.samples)
        explain_pages(app, page_list, log)
        print(f"\n{load()}")
        with app.app_context():
            db.engine.dispose()
    return p50s


def show_growth(results):
    """Each page's p50 at every size, and how many times its first size's it is at the last."""
    sizes = list(results)
    first, last = sizes[0], sizes[-1]
    print(f"\np50 ms by reports in the table; growth = p50 at {last:,} / p50 at {first:,}")
    print(f"{'page':<30}" + "".join(f"{n:>12,}" for n in sizes) + f"{'growth':>9}")
    for label in results[first]:
        row = "".join(f"{results[n][label]:>12.1f}" for n in sizes)
        print(f"{label:<30}{row}{results[last][label] / results[first][label]:>8.2f}x")


def main():
    args = parse_args()
    sizes = args.sizes or [args.reports]
    on_postgres = bool(args.database_url) and (
        make_url(normalized(args.database_url)).get_backend_name() == "postgresql"
    )
    # One generator for every size of a run, so that the growth compares like with like.
    in_sql = args.sql_generate or (on_postgres and max(sizes) >= SQL_GENERATE_FROM)
    results = {n: measure(args, n, in_sql) for n in sizes}
    if len(sizes) > 1:
        show_growth(results)


if __name__ == "__main__":
    main()
