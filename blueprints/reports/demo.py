"""Demo reports in every state, across every grid and category, made through the real workflow."""

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.places.models import Department, Grid
from blueprints.reports import intake, workflow
from blueprints.reports.models import Category, Report, ReportState
from blueprints.reports.steps import Assignee
from extensions import db

DESCRIPTIONS = {
    "garbage": "楼下垃圾堆了好几天没人清，有味道。",
    "vending": "早上路口摆摊占了人行道，老人过不去。",
    "graffiti": "单元门口贴满了小广告。",
    "streetlight": "路灯晚上不亮，走路看不见。",
    "road": "人行道砖松了，下雨溅一身水。",
    "manhole": "井盖不见了，很危险。",
    "fire_lane": "消防通道被电动车堵住了。",
    "safety_tip": "最近晚上有陌生人在车棚转悠。",
    "neighbour": "楼上装修天天很晚还在敲。",
    "property": "物业收了钱不修电梯。",
    "elderly": "独居老人想问问助餐点怎么报名。",
    "welfare": "家里有困难，想问怎么申请救助。",
    "noise": "广场舞音响太大声，影响休息。",
    "other": "小区门口的公告栏倒了。",
}
# The steps that bring a new report to each state, in order.
PATHS = [
    [],
    ["accept"],
    ["return"],
    ["withdraw"],
    ["accept", "dispatch"],
    ["accept", "dispatch", "sign"],
    ["accept", "dispatch", "sign", "start"],
    ["accept", "dispatch", "sign", "start", "handle"],
    ["accept", "dispatch", "sign", "start", "handle", "verify"],
    ["accept", "dispatch", "sign", "start", "handle", "verify", "rate_bad"],
    ["accept", "dispatch", "sign", "start", "handle", "verify", "rate_good"],
    ["merge"],
]
COUNT = 48


def load_demo_reports():
    if db.session.scalar(select(Report.id).where(Report.submission_key == "demo-0")):
        return
    people = {u.phone: u for u in db.session.scalars(select(User))}
    resident, dispatcher = people["13800000001"], people["13800000003"]
    grids = db.session.scalars(select(Grid).order_by(Grid.code)).all()
    categories = db.session.scalars(select(Category).order_by(Category.id)).all()
    city = db.session.scalar(select(Department).where(Department.code == "D01"))
    first = None
    for i in range(COUNT):
        category, grid = categories[i % len(categories)], grids[i % len(grids)]
        mine = i % 3 == 0
        data = intake.ReportAnswers(
            category_id=category.id,
            grid_id=grid.id,
            description=DESCRIPTIONS.get(category.code, "需要处理。"),
            address=f"{(i % 9) + 1}栋附近",
            phone="" if mine else f"139{i:08d}",
        )
        report = intake.submit_report(f"demo-{i}", data, reporter=resident if mine else None)
        first = first or report
        worker = staff_for(Role.GRID_WORKER, grid)[0]
        to_department = i % 2 == 1
        handler = people["13800000004"] if to_department else worker
        for step in PATHS[i % len(PATHS)]:
            if report.state == ReportState.VERIFIED and step == "verify":
                continue
            reporter = resident if mine else AnonymousUserMixin()
            act = {
                "accept": (dispatcher, {"urgency": "urgent" if i % 5 == 0 else "normal"}),
                "return": (dispatcher, {"reason": "不属于本街道管辖，已告知向区里反映。"}),
                "withdraw": (reporter, {"confirm": "yes"}),
                "merge": (dispatcher, {"target": first.ref}),
                "dispatch": (
                    dispatcher,
                    {
                        "assignee": Assignee(Assignee.DEPARTMENT, city.id)
                        if to_department
                        else Assignee(Assignee.WORKER, worker.id)
                    },
                ),
                "sign": (handler, {}),
                "start": (handler, {}),
                "handle": (handler, {"note": "已到现场处理完毕。"}),
                "verify": (dispatcher if handler is worker else worker, {}),
                "rate_good": (reporter, {"rating": "satisfied", "comment": "很快，谢谢！"}),
                "rate_bad": (reporter, {"rating": "unsatisfied", "comment": "还没弄好。"}),
            }[step]
            action = "rate" if step.startswith("rate") else step
            workflow.apply(report, action, act[0], tracker=not mine, **act[1])
