"""Every function ships only its code: its dependencies come from the shared layer.

Each function's ``CodeUri`` holds a ``requirements.txt`` without requirements, so that ``sam build``
copies the code without warning, 29 times, that the file is missing, and without installing
anything into the function.
"""

from __future__ import annotations

from local.template import ROOT, functions


def test_every_function_has_a_requirements_file_without_requirements() -> None:
    specs = functions()
    assert specs
    for logical_id, spec in specs.items():
        path = ROOT / spec.code_uri / "requirements.txt"
        assert path.is_file(), f"{logical_id}: add {path.relative_to(ROOT)} (see functions/score)"
        lines = path.read_text(encoding="utf-8").splitlines()
        requirements = [line for line in lines if line.strip() and not line.startswith("#")]
        assert requirements == [], f"{logical_id}: dependencies belong in shared/requirements.txt"
