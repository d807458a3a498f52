"""Photos cost the server work only for people allowed to send them, and never pile up."""

import io
import os
import struct
import zlib
from datetime import timedelta

import pytest
from PIL import ImageFile
from sqlalchemy import func, select

from blueprints.reports.models import ReportDraft, ReportPhoto
from blueprints.util.times import utcnow
from extensions import db
from tests.people import DISPATCHER, GRID_WORKER
from tests.test_reports import (
    as_user,
    dispatch_to_worker,
    file_report,
    jpeg,
    report,
    start_garbage_report,
)


@pytest.fixture
def filed(client, demo, ctx):
    ref, _ = file_report(client)
    return ref


def stored_files(app):
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_claiming(width, height):
    """A valid PNG header for a huge grey image, followed by a few bytes of its pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 2000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("upto", ["sign", "submitted"])
def test_an_anonymous_handle_with_a_photo_stores_nothing(client, filed, login_as, app, upto):
    if upto == "sign":
        dispatch_to_worker(client, login_as, filed, upto="sign")
    before = stored_files(app)
    stranger = app.test_client()
    response = stranger.post(
        f"/reports/{filed}/act/handle",
        data={"note": "修好了", "version": str(report(filed).version), "photo": (jpeg(), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (409, 422)
    if response.status_code == 422:
        assert "您不能对这件事做这个操作" in response.get_data(as_text=True)
    assert stored_files(app) == before
    assert report(filed).state == ("signed" if upto == "sign" else "submitted")
    assert db.session.scalar(select(func.count(ReportPhoto.id))) == 0


def test_a_refused_handle_by_the_assignee_leaves_no_files(client, filed, login_as, app):
    """Allowed to handle, but the note is missing: the photo it sent is not kept either."""
    dispatch_to_worker(client, login_as, filed, upto="sign")
    before = stored_files(app)
    response = client.post(
        f"/reports/{filed}/act/handle",
        data={"note": "", "version": str(report(filed).version), "photo": (jpeg(), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "请写几句说明" in response.get_data(as_text=True)
    assert stored_files(app) == before
    assert db.session.scalar(select(func.count(ReportPhoto.id))) == 0


def test_a_tiny_png_claiming_a_huge_size_is_refused_before_decoding(
    client, demo, ctx, app, monkeypatch
):
    bomb = png_claiming(6300, 6300)
    assert len(bomb) < 120
    before = stored_files(app)
    decoded = []
    original = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or original(self)
    )
    start_garbage_report(client)
    response = client.post(
        "/reports/new/photos",
        data={"photos": (io.BytesIO(bomb), "bomb.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "照片的像素太多了" in response.get_data(as_text=True)
    assert decoded == []
    assert db.session.scalar(select(func.count(ReportPhoto.id))) == 0
    assert stored_files(app) == before


def test_the_size_message_reads_in_english(client, demo, ctx):
    client.set_cookie("lang", "en")
    start_garbage_report(client)
    response = client.post(
        "/reports/new/photos",
        data={"photos": (io.BytesIO(png_claiming(9000, 100)), "wide.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)


def test_a_big_phone_jpeg_is_still_taken(client, demo, ctx, app):
    """4000×3000 is what phones take: under the limit, and shrunk to 1600 on the way in."""
    ref, _ = file_report(client, photo=jpeg((4000, 3000)))
    [photo] = report(ref).photos
    assert photo.thumb_bytes > 0
    assert f"{photo.filename}.jpg" in stored_files(app)


def draft_photo(client, app, age_days):
    """A photo uploaded at the photos step of a draft that was last touched age_days ago."""
    fresh = app.test_client()
    start_garbage_report(fresh)
    response = fresh.post(
        "/reports/new/photos",
        data={"photos": (jpeg(), "p.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    photo = db.session.scalars(select(ReportPhoto).order_by(ReportPhoto.id.desc())).first()
    then = utcnow() - timedelta(days=age_days)
    photo.created_at = then
    db.session.get(ReportDraft, photo.draft_key).updated_at = then
    db.session.commit()
    return photo.id, photo.filename


def test_the_tick_removes_abandoned_draft_photos_and_their_files(
    client,
    filed,
    login_as,
    app,
    runner,
):
    old_id, old_name = draft_photo(client, app, age_days=3)
    new_id, new_name = draft_photo(client, app, age_days=1)
    dispatch_to_worker(client, login_as, filed, upto="sign")
    as_user(client, login_as, GRID_WORKER)
    response = client.post(
        f"/reports/{filed}/act/handle",
        data={"note": "修好了", "version": str(report(filed).version), "photo": (jpeg(), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    [attached] = report(filed).photos
    attached.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    attached_name = attached.filename

    out = runner.invoke(args=["reports", "tick"])
    assert out.exit_code == 0
    assert "photos removed 1" in out.output
    db.session.expire_all()
    assert db.session.get(ReportPhoto, old_id) is None
    assert db.session.get(ReportPhoto, new_id) is not None
    assert report(filed).photos
    files = stored_files(app)
    assert f"{old_name}.jpg" not in files
    assert f"{old_name}.t.jpg" not in files
    for kept in (new_name, attached_name):
        assert f"{kept}.jpg" in files
        assert f"{kept}.t.jpg" in files
    assert "photos removed 0" in runner.invoke(args=["reports", "tick"]).output


def test_a_photo_of_a_draft_still_in_use_is_kept(client, demo, ctx, app, runner):
    """An old upload whose draft the resident touched today is not abandoned."""
    photo_id, name = draft_photo(client, app, age_days=5)
    photo = db.session.get(ReportPhoto, photo_id)
    db.session.get(ReportDraft, photo.draft_key).updated_at = utcnow()
    db.session.commit()
    assert "photos removed 0" in runner.invoke(args=["reports", "tick"]).output
    assert f"{name}.jpg" in stored_files(app)


@pytest.mark.parametrize("field", ["tracker", "actor", "report", "action"])
def test_a_form_field_named_like_an_argument_is_not_a_crash(client, filed, login_as, field):
    as_user(client, login_as, DISPATCHER)
    response = client.post(
        f"/reports/{filed}/act/accept",
        data={"urgency": "normal", "version": str(report(filed).version), field: "1"},
    )
    assert response.status_code == 303
    assert report(filed).state == "accepted"
