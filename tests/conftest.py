"""Shared pytest configuration for the skseal test-suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def cli() -> Path:
    """The debug `skseal` binary, built once per session (no Python in it)."""
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed")
    root = TESTS_DIR.parent
    subprocess.run(["cargo", "build", "--quiet", "-p", "skseal-cli"], cwd=root, check=True)
    return root / "target" / "debug" / "skseal"
if str(TESTS_DIR) not in sys.path:  # so ``import zoo`` works in every import mode
    sys.path.insert(0, str(TESTS_DIR))


def _test_zoo_module() -> Any | None:
    for mod in list(sys.modules.values()):
        path = getattr(mod, "__file__", None) or ""
        if path and Path(path).resolve() == TESTS_DIR / "test_zoo.py":
            return mod
    return None


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int, config: pytest.Config
) -> None:
    for mod in list(sys.modules.values()):
        path = getattr(mod, "__file__", None) or ""
        if path and Path(path).resolve() == TESTS_DIR / "test_practitioner_zoo.py":
            results = mod.RESULTS
            if results:
                default = sum(ok and not prof for ok, prof in results.values())
                works = sum(ok for ok, _ in results.values())
                terminalreporter.write_sep("=", "practitioners' zoo")
                terminalreporter.write_line(
                    f"{default} of {len(mod.CASES)} cases work with default trust and {works} "
                    f"with default trust plus at most one library profile, bitwise through "
                    f"dumps/loads, a joblib file and convert; {len(results) - works} refused "
                    "cleanly as expected")
    mod = _test_zoo_module()
    if mod is None:
        return
    line = mod.zoo_summary_line()
    if line is None:
        return
    terminalreporter.write_sep("=", "skseal zoo")
    by_reason: dict[str, list[str]] = {}
    for name, reason in sorted(mod.ZOO_RESULTS.items()):
        if reason is not None:
            by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        if len(names) <= 3:
            for name in names:
                terminalreporter.write_line(f"FAILED {name}: {reason}")
        else:
            head = ", ".join(names[:3])
            terminalreporter.write_line(f"FAILED x{len(names)} ({head}, ...): {reason}")
    terminalreporter.write_line(line)


@pytest.fixture(scope="session", autouse=True)
def _dev_null_stays_a_device() -> Any:
    """Fail the run if anything under test replaced ``/dev/null`` with a file.

    A rename over ``/dev/null`` (as root) once did, and broke everything that
    ran after it on the machine; tests/test_output_files.py checks each
    writer, this checks the whole run."""
    import os
    import stat

    def is_device() -> bool:
        return os.name != "posix" or stat.S_ISCHR(os.stat(os.devnull).st_mode)

    assert is_device(), f"{os.devnull} is not a device before the tests: repair it first"
    yield
    assert is_device(), f"something under test replaced {os.devnull} with a regular file"
