"""Street/township → community/village → grid, and the departments that handle cases."""

from flask_babel import get_locale
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class Street(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)

    communities: Mapped[list["Community"]] = relationship(
        back_populates="street", order_by="Community.code"
    )

    def __str__(self):
        return self.name


class Community(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    street: Mapped[Street] = relationship(back_populates="communities")
    grids: Mapped[list["Grid"]] = relationship(back_populates="community", order_by="Grid.code")

    def __str__(self):
        return self.name


def grid_label(community, grid):
    """How a grid is named wherever it is listed: its community, then its own name."""
    return f"{community} · {grid}"


class Grid(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    households: Mapped[int | None]
    # The grid's centre, to place reports that come with GPS but no grid (Open311 clients).
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    community: Mapped[Community] = relationship(back_populates="grids")

    @property
    def street(self):
        return self.community.street

    def __str__(self):
        return grid_label(self.community.name, self.name)


class Department(db.Model):
    """A functional department (职能部门) of a street that signs for and handles cases."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60), default="")
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    street: Mapped[Street] = relationship()

    def __str__(self):
        """The name in the reader's language (place names proper stay Chinese)."""
        if self.name_en and str(get_locale()).startswith("en"):
            return self.name_en
        return self.name
