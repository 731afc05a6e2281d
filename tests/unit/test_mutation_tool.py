"""The mutation tester's mutants (tools/mutation.py): each operator yields the change it names,
the mutated module still compiles, and logging statements and docstrings are left alone."""

from __future__ import annotations

from pathlib import Path

from tools import mutation

MODULE = '''
def guard(started, now, grace):
    """Docstring: never mutated."""
    logger.info("checking")
    if started is not None and now - started < grace:
        return None
    release(started)
    return not now
'''


def _mutants(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "sample.py"
    path.write_text(MODULE, encoding="utf-8")
    found = mutation.mutants(str(path))
    for mutant in found:
        compile(mutant.source, "mutant", "exec")
    return {m.description: m.source for m in found}


def test_each_operator_yields_its_mutant(tmp_path: Path) -> None:
    mutants = _mutants(tmp_path)
    assert "if now - started < grace:" in mutants["drop operand 1 of And"]
    assert "started is not None or" in mutants["And -> Or"]
    assert "started is None" in mutants["IsNot -> Is"]
    assert "now - started >= grace" in mutants["Lt -> GtE"]
    assert "now + started" in mutants["Sub -> Add"]
    assert "release(started)" not in mutants["delete call release()"]
    assert "return now" in mutants["drop not"]


def test_logging_and_docstrings_are_not_mutated(tmp_path: Path) -> None:
    mutants = _mutants(tmp_path)
    assert not any("logger" in description for description in mutants)
    assert all("Docstring: never mutated." in source for source in mutants.values())
