"""`manage.py dispatch_preview`: human-readable, --json and --jsonl output."""

import io
import json
import sys
import types

import pytest
from django.core.management import CommandError, call_command

from ai.types import Dispatch


def preview(*args, stdin: str = "") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dispatch_preview", *args, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def no_full_dispatcher(monkeypatch):
    """As before ai.dispatcher lands (and whether or not it has)."""
    monkeypatch.setitem(sys.modules, "ai.dispatcher", None)


def test_text_is_shown_as_a_table(no_full_dispatcher):
    out, _ = preview("--offline", "פיצוץ צינור בחיפה, מים בכל הבית! מחר ב-10")

    lines = dict(line.split(None, 1) for line in out.splitlines() if not line.startswith(" "))
    assert "haifa (חיפה)" in out
    assert "plumbing" in out
    assert "yes: flooding" in out
    assert "ברז המים הראשי" in out
    assert "10:00" in out
    assert lines["language"] == "he"
    assert lines["source"] == "offline"


def test_json_is_one_object_with_the_dispatch_fields(no_full_dispatcher):
    out, _ = preview("--offline", "--json", "locked out in Haifa, baby inside!")

    answer = json.loads(out)
    assert set(answer) == set(Dispatch().as_json())
    assert answer["city"] == "haifa"
    assert answer["issue_type"] == "locksmith"
    assert (answer["urgent"], answer["urgency_reason"]) == (True, "locked_out")
    assert answer["language"] == "en"


def test_text_can_come_from_standard_input(no_full_dispatcher):
    out, _ = preview("--json", stdin="המזגן מטפטף בנתניה\n")

    assert json.loads(out)["issue_type"] == "hvac"


def test_jsonl_answers_every_line_and_reports_bad_ones(no_full_dispatcher):
    lines = [
        json.dumps({"text": 'נזילה בת"א', "id": 7}, ensure_ascii=False),
        "not json",
        "",
        json.dumps([1, 2]),
        json.dumps({"txt": "no text key"}),
        json.dumps({"text": "AC dripping in Ramat Gan"}),
    ]

    out, err = preview("--jsonl", stdin="\n".join(lines) + "\n")

    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["line"] for a in answers] == [1, 2, 4, 5, 6]
    first, last = answers[0], answers[-1]
    assert (first["id"], first["city"], first["issue_type"]) == (7, "tel-aviv", "plumbing")
    assert (first["language"], first["urgent"]) == ("he", False)
    assert (last["city"], last["issue_type"], last["language"]) == ("ramat-gan", "hvac", "en")
    assert [set(a) for a in answers[1:4]] == [{"line", "error"}] * 3
    assert "not JSON" in answers[1]["error"]
    assert "5 lines read, 3 with errors" in err


def test_jsonl_takes_no_text():
    with pytest.raises(CommandError, match="standard input"):
        preview("--jsonl", "some text")


def test_json_and_jsonl_exclude_each_other():
    with pytest.raises(CommandError):
        preview("--json", "--jsonl")


def test_an_empty_message_is_an_error(no_full_dispatcher):
    with pytest.raises(CommandError, match="TEXT"):
        preview(stdin="  \n")


def test_without_offline_the_full_dispatcher_answers_when_installed(monkeypatch):
    calls = []

    def dispatch(text, media=None, now=None):
        calls.append(text)
        return Dispatch(city="eilat", issue_type="hvac", source="gemini:test")

    monkeypatch.setitem(sys.modules, "ai.dispatcher", types.SimpleNamespace(dispatch=dispatch))

    full = json.loads(preview("--json", "hello")[0])
    offline = json.loads(preview("--json", "--offline", "hello")[0])

    assert calls == ["hello"]
    assert (full["source"], full["city"]) == ("gemini:test", "eilat")
    assert offline["source"] == "offline"
