"""The demo's Open311 client key (`flask demo load`)."""

from sqlalchemy import select

from blueprints.open311.models import ApiKey, hash_key
from extensions import db

DEMO_API_KEY = "linli-demo-key"


def load_demo_key():
    if not db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(DEMO_API_KEY))):
        db.session.add(ApiKey.issue("演示客户端", key=DEMO_API_KEY)[0])
        db.session.commit()
