"""The table behind native inference's eight-lane ``exp`` (crates/skseal-native/
src/libm_exp.rs) is the one ``scripts/gen_libm_exp_table.py`` derives from
first principles: 2^(i/128) to 60 digits, its nearest double and the tail.
The Rust unit test checks the function itself against the C library's exp."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_table_is_the_derived_one() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_libm_exp_table.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    src = (ROOT / "crates/skseal-native/src/libm_exp.rs").read_text()
    body = re.search(r"static TAB: \[u64; 256\] = \[(.*?)\];", src, re.S)
    assert body is not None
    t = gen.table()
    assert [int(v, 16) for v in re.findall(r"0x[0-9a-f_]+", body.group(1))] == t
    assert len(t) == 256 and t[0] == 0 and t[1] == 0x3FF0000000000000  # 2^0 = 1, no tail
