"""The inbox in pages, newest message first."""

import pytest
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.notices.models import Notice
from extensions import db
from tests.conftest import login
from tests.keyset import FORGED, walk
from tests.people import GRID_WORKER, RESIDENT


def test_the_inbox_pages_through_every_message_once_newest_first(client, demo, ctx):
    user = db.session.scalar(select(User).where(User.phone == RESIDENT))
    other = db.session.scalar(select(User).where(User.phone == GRID_WORKER))
    # Threads of three messages each: a page may end inside one, which goes on on the next.
    for n in range(120):
        db.session.add(Notice(user_id=user.id, text=f"消息{n}", url=f"/orgs/{n // 3}"))
        db.session.add(Notice(user_id=other.id, text=f"别人的{n}"))
    db.session.commit()
    login(client, RESIDENT)
    said, later = walk(client, "/notices/", r'<span class="said">消息(\d+)</span>')
    assert said == [str(n) for n in reversed(range(120))]
    assert len(later) == 2
    assert "下一页" not in client.get(later[-1]).get_data(as_text=True)


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_inbox_key_is_400(client, demo, forged):
    login(client, RESIDENT)
    assert client.get("/notices/", query_string={"after": forged}).status_code == 400
