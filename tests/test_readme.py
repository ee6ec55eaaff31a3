"""The README's quickstart runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    assert first_block.splitlines()[0].startswith("make demo")
    assert first_block.splitlines()[1].startswith("make test")


def test_quickstart_runs(tmp_path, monkeypatch, capsys):
    code = re.search(r"## Quickstart\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    assert len(code.strip().splitlines()) <= 22
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README quickstart", "exec"), namespace)
    assert (tmp_path / "coupling.xlsx").exists()
    ccd = namespace["ccd"]
    assert ccd.D.between(0, 1).all()
    assert "East" in capsys.readouterr().out


def test_spatial_example_runs_in_the_current_style(capsys):
    import warnings

    code = re.search(r"## Spatial structure and inequality\n\n.*?```python\n(.*?)```", README.read_text(), re.S)
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        exec(compile(code.group(1), "README spatial example", "exec"), namespace)
    assert namespace["moran"].table["I"].gt(0).all()  # state incomes cluster in every year
    assert "Gw_share" in capsys.readouterr().out


def test_readme_calls_use_the_data_to_fit_style():
    text = README.read_text()
    for old in ("LocalMoran(w", "GlobalMoran(w", "DagumGini(groups", "BetaConvergence(w="):
        assert old not in text
    assert ", w=w," not in re.sub(r"\.fit\([^)]*\)", "", text)  # no w= among the constructor settings
