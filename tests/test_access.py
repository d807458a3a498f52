import pytest

from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.roles import Role


@pytest.mark.parametrize("audience", [("dispatchr",), ("Admin",), ()])
def test_a_misspelt_role_is_an_error_when_the_view_is_declared(audience):
    with pytest.raises(ValueError, match="@allow"):
        allow(*audience)


@pytest.mark.parametrize("audience", [PUBLIC, SIGNED_IN, *Role])
def test_every_role_and_the_two_audiences_may_be_named(audience):
    def view():
        return "ok"

    assert allow(audience)(view).allowed == (audience,)
