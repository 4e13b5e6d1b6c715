"""The shared hostile corpus (../shared/corpus/picklescan): every malicious pickle is
refused, the benign ones load. skseal never executes pickle code, so these files are
read in-process; nothing here calls pickle/joblib on them."""

from __future__ import annotations

from pathlib import Path

import pytest

import skseal

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "picklescan"
MALICIOUS = sorted((CORPUS / "malicious").glob("*")) if CORPUS.exists() else []
BENIGN = sorted((CORPUS / "benign").glob("*")) if CORPUS.exists() else []

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")


def test_corpus_is_complete() -> None:
    assert len(MALICIOUS) == 84
    assert len(BENIGN) == 3


@pytest.mark.parametrize("path", MALICIOUS, ids=[p.name for p in MALICIOUS])
def test_malicious_is_refused(path: Path) -> None:
    with pytest.raises(skseal.SkSealError) as ei:
        skseal.load(path)
    err = ei.value
    if isinstance(err, skseal.UntrustedTypeError):
        # the error names every offending global, and the listing agrees
        assert err.types and all(t in str(err) for t in err.types)
        assert set(err.types) <= set(skseal.untrusted_types(path))
    else:
        # refused by the VM itself: a code-execution pattern or a malformed stream
        assert isinstance(err, skseal.FormatError)
        assert "refused" in str(err) or "malformed" in str(err) or "truncated" in str(err) \
            or "after STOP" in str(err), str(err)


@pytest.mark.parametrize("path", BENIGN, ids=[p.name for p in BENIGN])
def test_benign_loads(path: Path) -> None:
    assert skseal.load(path) == ["a", "b", "c"]
    assert skseal.untrusted_types(path) == []
