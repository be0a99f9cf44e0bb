"""docs/plugins.md's hook reference is generated from core/hookspecs.py and is complete."""

import importlib.util
from pathlib import Path

import pytest
from plugnet.testing import hookdoc

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def test_the_guides_hook_reference_is_up_to_date():
    text = GUIDE.read_text()
    wanted = hookdoc.replace_reference(text, hookdoc.render_reference())
    assert wanted == text, (
        "docs/plugins.md's hook reference is out of date with core/hookspecs.py: "
        "run python -m plugnet.testing.hookdoc --write docs/plugins.md"
    )


def test_every_hook_docstring_has_the_required_parts():
    found = hookdoc.hooks()
    assert len(found) >= 16
    assert [problem for hook in found for problem in hookdoc.docstring_problems(hook)] == []


def test_every_hook_is_in_the_reference():
    reference = hookdoc.render_reference()
    for hook in hookdoc.hooks():
        assert f"#### `{hook.name}`" in reference


BAD_SPECS = '''
import pluggy

hookspec = pluggy.HookspecMarker("plugnet")

# -------------------------------------------------------------------------
# A section
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def plugnet_incomplete(request, extra):
    """Do something.

    :param request: documented.
    :param missing: names no argument.
    """
'''


@pytest.fixture
def bad_module(tmp_path):
    path = tmp_path / "bad_specs.py"
    path.write_text(BAD_SPECS)
    spec = importlib.util.spec_from_file_location("bad_specs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checker_names_each_missing_part(bad_module):
    (hook,) = hookdoc.hooks(bad_module)
    assert hook.section == "A section"
    assert hookdoc.docstring_problems(hook) == [
        "plugnet_incomplete: no :param extra:",
        "plugnet_incomplete: :param missing: names no argument",
        "plugnet_incomplete: no .. versionadded::",
        "plugnet_incomplete: no closing 'Use in plugnet plugins' section",
        "plugnet_incomplete: firstresult hook without 'Stops at first non-None result.'",
    ]


def test_check_mode_fails_on_a_stale_guide(tmp_path, capsys):
    stale = tmp_path / "plugins.md"
    stale.write_text(f"# Guide\n\n{hookdoc.BEGIN}\nold text\n{hookdoc.END}\n")
    assert hookdoc.main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert hookdoc.main(["--write", str(stale)]) == 0
    assert hookdoc.main(["--check", str(stale)]) == 0
    assert stale.read_text().startswith("# Guide\n\n")
