"""The documentation against the code: command lines, links, the README's size, the tables.

- Every ``outpost ...`` command line in ``README.md`` and ``docs/user/*.md`` (in a fenced
  code block, or in inline code) names a subcommand that exists: ``outpost <path> --help``
  exits 0, and every ``--option`` the line shows for it is in that help.
- Every relative link of the Markdown files resolves to a file of the repository.
- The README stays the front door: at most 200 lines, no issue numbers.
- ``outpost batch run --json`` prints the keys ``docs/user/batch.md`` documents (the scan and
  audit documents of ``docs/user/command-line.md`` are checked in ``tests/test_cli.py``).
- ``benchmarks/tables.py`` rebuilds the benchmark tables of ``docs/dev/benchmarks.md`` from
  ``benchmarks/run.py NAME --json`` output (a fixture under ``tests/data``), and what it
  writes there is what the documentation holds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USER_DOCS = sorted((ROOT / "docs" / "user").glob("*.md"))
COMMAND_DOCS = [ROOT / "README.md", *USER_DOCS]
ALL_MARKDOWN = sorted({ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")})
FIXTURES = Path(__file__).resolve().parent / "data"

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
PROGRAM = re.compile(r"^(?:\$ )?(?:\.venv/bin/)?outpost(?= |$)")


# --------------------------------------------------------------------------- finding command lines
def command_lines(text: str) -> list[str]:
    """The ``outpost ...`` command lines of a Markdown text.

    Parameters
    ----------
    text : str
        The Markdown source.

    Returns
    -------
    list of str
        Each command on one line: the lines of a fenced code block that begin with
        ``outpost`` (with the indented lines that continue them), and every inline code
        span that begins with ``outpost `` (a span may wrap over lines of a paragraph).
    """
    commands: list[str] = []
    prose: list[str] = []
    in_block = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_block = not in_block
            prose.append("")
            continue
        if not in_block:
            prose.append(line)
            continue
        stripped = line.strip()
        if PROGRAM.match(stripped):
            commands.append(stripped)
        elif commands and line[:1].isspace() and stripped.startswith(("[", "--", "(", "|")):
            commands[-1] += " " + stripped
    for paragraph in re.split(r"\n\s*\n", "\n".join(prose)):
        for span in re.findall(r"`([^`]+)`", paragraph):
            span = " ".join(span.split())
            if PROGRAM.match(span):
                commands.append(span)
    return commands


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of ``parser`` by name (none for a leaf)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@cache
def _parser() -> argparse.ArgumentParser:
    """The ``outpost`` argument parser, plugins' commands included."""
    from viewer.cli.program import build_parser

    return build_parser()


def _parser_at(path: tuple[str, ...]) -> argparse.ArgumentParser:
    """The parser of a subcommand path."""
    parser = _parser()
    for word in path:
        parser = _subcommands(parser)[word]
    return parser


def split_command(line: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """Each subcommand path a synopsis line names, with the words shown for it.

    Parameters
    ----------
    line : str
        One command line, e.g. ``outpost batch list BATCH [--json] | report BATCH --out FILE``.

    Returns
    -------
    list of (tuple of str, list of str)
        ``(("batch", "list"), ["BATCH", "[--json]"])``, ``(("batch", "report"), [...])``: an
        alternative after `` | `` that is a sibling subcommand starts a new path; any other
        alternative adds its words to the path before it.
    """
    words = PROGRAM.sub("", line, count=1).split()
    path: tuple[str, ...] = ()
    while words and words[0] in _subcommands(_parser_at(path)):
        path = (*path, words.pop(0))
    segments: list[list[str]] = [[]]
    for word in words:
        if word == "|":
            segments.append([])
        else:
            segments[-1].append(word)
    found = [(path, segments[0])]
    siblings = _subcommands(_parser_at(path[:-1])) if path else {}
    for segment in segments[1:]:
        if segment and segment[0] in siblings:
            found.append(((*path[:-1], segment[0]), segment[1:]))
        else:
            found[-1][1].extend(segment)
    return found


@cache
def help_text(path: tuple[str, ...]) -> str:
    """What ``outpost <path> --help`` prints, asserting that it exits 0."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        _parser().parse_args([*path, "--help"])
    assert exited.value.code in (0, None), f"outpost {' '.join(path)} --help exited {exited.value.code}"
    return out.getvalue()


def documented_commands() -> dict[tuple[str, ...], dict[str, list[str]]]:
    """Every subcommand path of the README and ``docs/user``: option to the documents showing it."""
    commands: dict[tuple[str, ...], dict[str, list[str]]] = {}
    for document in COMMAND_DOCS:
        name = str(document.relative_to(ROOT))
        for line in command_lines(document.read_text(encoding="utf-8")):
            for path, words in split_command(line):
                options = commands.setdefault(path, {})
                for option in OPTION.findall(" ".join(words)):
                    options.setdefault(option, []).append(name)
                if not words or path != ():
                    continue
                # A word that is neither an option nor a placeholder right after `outpost` must
                # be a subcommand (the viewer takes PATH...): catches a misspelt command.
                first = words[0]
                if re.fullmatch(r"[a-z][a-z-]+", first):
                    options.setdefault(f"unknown subcommand {first}", []).append(name)
    return commands


def test_the_docs_show_command_lines():
    """The finder finds the synopsis and the inline commands (else the next test checks nothing)."""
    commands = documented_commands()
    assert len(commands) >= 20, sorted(commands)
    assert ("batch", "worker") in commands and ("models",) in commands
    assert "--scheduler" in commands[("batch", "worker")]
    assert "--out" in commands[("batch", "report")] and "--out" not in commands.get(("batch", "list"), {})


def test_every_documented_command_parses():
    """Each documented subcommand's --help exits 0 and lists every option the docs show for it."""
    wrong = []
    for path, options in sorted(documented_commands().items()):
        text = help_text(path)
        for option, where in sorted(options.items()):
            if option.startswith("unknown subcommand") or not re.search(
                    rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
                wrong.append(f"outpost {' '.join(path)} {option} (in {', '.join(sorted(set(where)))})")
    assert not wrong, "documented but not in --help:\n" + "\n".join(wrong)


def test_the_checker_finds_a_wrong_command():
    """A made-up option and a made-up subcommand are reported (the check can fail)."""
    text = "Run `outpost scan PATH --jsn` or\n\n```\noutpost scann PATH\noutpost batch run --pack P\n" \
           "                  [--wrokers N]\n```\n"
    lines = command_lines(text)
    assert lines == ["outpost scann PATH", "outpost batch run --pack P [--wrokers N]", "outpost scan PATH --jsn"]
    assert split_command(lines[1]) == [(("batch", "run"), ["--pack", "P", "[--wrokers", "N]"])]
    assert "--wrokers" not in help_text(("batch", "run")) and "--jsn" not in help_text(("scan",))
    assert split_command(lines[0]) == [((), ["scann", "PATH"])]


def test_the_console_script_answers_help():
    """The installed program, not only its parser, answers --help (one process)."""
    done = subprocess.run([sys.executable, "-m", "viewer", "--help"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for command in ("scan", "view", "batch", "models", "pacs"):
        assert command in done.stdout


def _key_table(text: str, after: str) -> dict[str, str]:
    """The ``| `key`, `key` | meaning |`` table that follows the line containing ``after``."""
    lines = text[text.index(after):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    keys = {}
    for row in lines[start:]:
        if not row.startswith("|"):
            break
        cells = row.split("|")
        if len(cells) > 2:
            for key in re.findall(r"`([^`]+)`", cells[1]):
                keys[key] = cells[2].strip()
    return keys


def test_batch_run_json_is_what_the_batch_page_documents(tmp_path):
    """`outpost batch run --json` prints exactly the keys of docs/user/batch.md's table.

    An input with no image runs no model, so this takes one short process.
    """
    text = (ROOT / "docs" / "user" / "batch.md").read_text(encoding="utf-8")
    documented = _key_table(text, "`--json` prints one object instead")
    assert "rate_per_minute" in documented and len(documented) >= 10
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "notes.txt").write_text("not an image\n")
    done = subprocess.run([sys.executable, "-m", "viewer", "batch", "run", "--pack", "outpost-demo-ct",
                           "--input", str(inputs), "--out", str(tmp_path / "batch"), "--json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == set(documented)
    assert printed["version"] == int(documented["version"])
    assert printed["folder"] == str((tmp_path / "batch").resolve())
    assert printed["unreadable"] and all(set(item) == {"path", "reason"} for item in printed["unreadable"])
    statuses = set(re.findall(r"`([a-z]+)`", _key_table(text, "| column | meaning |").get("status", "")))
    assert set(printed["counts"]) == statuses and all(v == 0 for v in printed["counts"].values())
    assert printed["rate_per_minute"] is None and printed["ran"] == 0


# --------------------------------------------------------------------------- links, README
def _links(text: str) -> list[str]:
    """The targets of the Markdown links of a text, outside code."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("document", ALL_MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(document):
    """Every relative link of a Markdown file names a file or folder that exists."""
    assert document.exists(), document
    broken = []
    for target in _links(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        if not (document.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)}: broken links {broken}"


def test_the_link_checker_finds_a_broken_link(tmp_path):
    """A link to a moved file is caught; code spans and web addresses are not links to check."""
    assert _links("see [x](docs/speed.md) and `[y](z.md)` or [w](https://example.org)") == \
        ["docs/speed.md", "https://example.org"]


def test_readme_is_the_front_door():
    """At most 200 lines, no issue numbers, and links to each part of the reorganised docs."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert not re.search(r"(?i)\bissue\s*#?\d+|(?<![\w/&])#\d+\b", text)
    for document in ("docs/dev/architecture.md", "docs/user/command-line.md", "docs/user/viewer.md",
                     "docs/user/ai.md", "docs/user/network.md", "docs/user/batch.md",
                     "docs/user/install.md", "docs/dev/benchmarks.md", "CHANGELOG.md"):
        assert f"]({document})" in text, document


def test_no_document_is_left_at_an_old_path():
    """The documents moved into docs/user and docs/dev; nothing names the old paths."""
    old = ("viewer", "ai-engine", "network", "installer", "hardening", "speed", "dicom-core", "layout")
    assert not [name for name in old if (ROOT / "docs" / f"{name}.md").exists()]
    pattern = re.compile(r"docs/(" + "|".join(re.escape(n) for n in old) + r")\.md")
    found = []
    # CHANGELOG.md records the moves, so it names the old paths on purpose.
    for folder in ("README.md", "docs", "viewer", "ai", "installer", "benchmarks", "tests"):
        base = ROOT / folder
        files = [base] if base.is_file() else [p for p in base.rglob("*")
                                              if p.suffix in {".md", ".py", ".sh", ".toml", ".txt", ".spec"}]
        for path in files:
            if path == Path(__file__).resolve():
                continue
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(str(path.relative_to(ROOT)))
    assert not found, found


# --------------------------------------------------------------------------- benchmark tables
def test_tables_script_reproduces_the_fixture_tables(tmp_path):
    """Run on the fixture JSON, benchmarks/tables.py rewrites the marked tables and only them."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import tables

    document = tmp_path / "benchmarks.md"
    document.write_text((FIXTURES / "bench_tables_input.md").read_text(encoding="utf-8"), encoding="utf-8")
    inputs = [str(FIXTURES / "bench_render.json"), str(FIXTURES / "bench_load.json"),
              str(FIXTURES / "bench_ai.json")]
    assert tables.main([*inputs, "--doc", str(document)]) == 0
    written = document.read_text(encoding="utf-8")
    expected = (FIXTURES / "bench_tables_expected.md").read_text(encoding="utf-8")
    assert written == expected
    assert not list(tmp_path.glob(".*part*")), "the temporary file is left behind"
    # Idempotent: a second run changes nothing.
    assert tables.main([*inputs, "--doc", str(document)]) == 0
    assert document.read_text(encoding="utf-8") == expected


def test_tables_script_refuses_what_it_cannot_place(tmp_path):
    """A JSON of an unknown benchmark, or a table without its end marker, changes nothing."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import tables

    document = tmp_path / "benchmarks.md"
    original = "<!-- table: render -->\n| stale |\n"
    document.write_text(original, encoding="utf-8")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"benchmark": "nothing-like-it"}), encoding="utf-8")
    with pytest.raises(SystemExit):
        tables.main([str(unknown), "--doc", str(document)])
    with pytest.raises(SystemExit):
        tables.main([str(FIXTURES / "bench_render.json"), "--doc", str(document)])
    assert document.read_text(encoding="utf-8") == original


def test_generated_tables_in_the_docs_are_marked_and_closed():
    """Every table marker of docs/dev/benchmarks.md is closed and names a table the script knows."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import tables

    text = (ROOT / "docs" / "dev" / "benchmarks.md").read_text(encoding="utf-8")
    names = tables.marked_tables(text)
    assert {"render", "startup", "ai-real-packs"} <= set(names)
    assert set(names) <= set(tables.TABLES)


def test_the_generated_tables_are_those_of_the_kept_outputs(tmp_path):
    """docs/dev/benchmarks.md holds exactly what the script makes of the JSON kept in tests/data.

    The outputs the document's generated tables were made from are kept as the fixtures: a
    table typed over, or regenerated from another run without keeping its JSON, fails here.
    """
    sys.path.insert(0, str(ROOT))
    from benchmarks import tables

    text = (ROOT / "docs" / "dev" / "benchmarks.md").read_text(encoding="utf-8")
    outputs = tables.read_outputs(sorted(str(p) for p in FIXTURES.glob("bench_*.json")))
    outputs = {name: figures for name, figures in outputs.items()
               if any(tables.TABLES[t][0] == name for t in tables.marked_tables(text))}
    assert tables.rewrite(text, outputs) == text
