"""`candid assess` driven through its prompts in a real terminal (pexpect)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[1]
PROMPT = r"> ?$|>\s*$"


def spawn() -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "candid", "assess"],
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=30,
        dimensions=(60, 160),
        env={"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb", "PATH": "/usr/bin:/bin"},
    )
    return child


def test_emergency_answer_stops_the_interview_at_once() -> None:
    child = spawn()
    child.expect("Do any of these apply to you right now")
    child.expect("0. None of these")
    child.expect(">")
    child.sendline("1")  # 1 = bleeding heavily now
    child.expect("Emergency")
    child.expect(pexpect.EOF)
    out = child.before or ""
    assert "emergency" in out.lower()
    assert "Possible causes" not in out  # nothing else before what to do now
    child.close()
    assert child.exitstatus == 0


def test_full_interview_reaches_the_assessment() -> None:
    child = spawn()
    asked: list[str] = []
    invalid_checked = group_checked = False
    while True:
        index = child.expect([r"\n([^\n]*\?)\r?\n", "Questions to bring"], timeout=30)
        if index == 1:
            break
        question = child.match.group(1).strip()
        asked.append(question)
        child.expect(">")
        screen = child.before or ""
        if "How old are you" in question:
            if not invalid_checked:
                child.sendline("abc")
                child.expect("Please type a whole number from 12 to 110")
                child.expect(">")
                invalid_checked = True
            child.sendline("34")
        elif "0. None of these" in screen:
            if not group_checked:
                child.sendline("0 1")  # none of these together with a box: refused
                child.expect("Type the numbers that apply")
                child.expect(">")
                group_checked = True
            child.sendline("0")
        elif re.search(r"^\s*1\. ", screen, re.M):
            child.sendline("2")  # the second option: "No" for yes/no questions
        else:
            child.sendline("?")  # not sure
        assert len(asked) < 40, "the interview must end"
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert invalid_checked and group_checked
    assert asked[0].startswith("Do any of these apply to you right now")
    assert len(asked) == len(set(asked)), "no page is asked twice"
    assert any("not agree to" in q for q in asked), "red-flag questions are asked before stopping"


def test_interrupt_says_nothing_was_saved() -> None:
    child = spawn()
    child.expect(">")
    child.sendintr()
    child.expect("Nothing was saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_going_back_changes_an_answer() -> None:
    child = spawn()
    child.expect("Do any of these apply to you right now")
    child.expect(">")
    child.sendline("0")  # none of these
    child.expect("How old are you")
    child.expect(">")
    child.sendline("b")  # back to the first page
    child.expect("Do any of these apply to you right now")
    child.expect(">")
    child.sendline("2")  # now faint or dizzy: the emergency interrupts at once
    child.expect("Emergency")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
