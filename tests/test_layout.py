"""The tree a newcomer reads: infrastructure in blueprints/core, web and util, every other
package under blueprints/ a feature, nothing loose beside them, and modules of one concern that
stay short enough to read in one sitting (issue 23: none over 450 lines)."""

from pathlib import Path

BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"
LAYERS = {"core", "web", "util"}
LONGEST = 450


def test_nothing_lies_loose_beside_the_features():
    loose = [p.name for p in BLUEPRINTS.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules loose in blueprints/: {loose}; put each in a layer or a feature"


def test_every_package_is_a_layer_or_a_feature_with_a_blueprint():
    packages = {p.parent.name for p in BLUEPRINTS.glob("*/__init__.py")}
    assert packages >= LAYERS
    without = [name for name in packages - LAYERS if not (BLUEPRINTS / name / "routes.py").exists()]
    assert not without, f"not a layer, and no routes.py: {without}"


def test_no_module_is_longer_than_a_sitting():
    long = {
        str(p.relative_to(BLUEPRINTS)): n
        for p in BLUEPRINTS.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONGEST
    }
    assert not long, f"over {LONGEST} lines, split by use case: {long}"
