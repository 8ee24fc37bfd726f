"""The rules files (sql/rules/*.sql) hold functions and triggers only, each complete and
replaceable, each function in one file: tables, columns, grants on tables and policies
stay in numbered migrations."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from db.migrate import SQL_DIR
from db.rules import RulesFile, rules_files

#: Statements a rules file may hold: a function or trigger definition, and what must
#: follow a function's (re)definition (its owner, who may execute it).
ALLOWED = re.compile(
    r"^(CREATE OR REPLACE (FUNCTION|TRIGGER) |ALTER FUNCTION public\.\w+\(.*\) OWNER TO "
    r"|REVOKE ALL ON FUNCTION |GRANT EXECUTE ON FUNCTION )"
)
FUNCTION = re.compile(r"^CREATE OR REPLACE FUNCTION public\.(\w+)\(", re.MULTILINE)


def statements(rules: RulesFile) -> list[str]:
    """The first line of each top-level statement (comments and function bodies skipped)."""
    found: list[str] = []
    starts, in_body = True, False
    for line in rules.text.decode().splitlines():
        if not in_body and (not line.strip() or line.startswith("--")):
            continue
        if starts and not in_body:
            found.append(line)
            starts = False
        if line.count("$$") % 2:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            starts = True
    return found


def test_there_are_rules_files() -> None:
    assert {f.name for f in rules_files()} >= {"claims.sql", "completion.sql", "outbox.sql"}


@pytest.mark.parametrize("rules", rules_files(), ids=lambda rules: rules.name)
def test_a_rules_file_starts_with_a_comment_saying_what_it_holds(rules: RulesFile) -> None:
    first = rules.text.decode().splitlines()[0]
    assert first.startswith("-- "), first
    assert len(first.split()) >= 4, first


@pytest.mark.parametrize("rules", rules_files(), ids=lambda rules: rules.name)
def test_a_rules_file_holds_only_replaceable_functions_and_triggers(rules: RulesFile) -> None:
    others = [line for line in statements(rules) if not ALLOWED.match(line)]
    assert others == [], f"{rules.name}: tables, grants on tables and policies go in a migration"


@pytest.mark.parametrize("rules", rules_files(), ids=lambda rules: rules.name)
def test_every_function_of_a_rules_file_pins_its_search_path(rules: RulesFile) -> None:
    text = rules.text.decode()
    definitions = FUNCTION.findall(text)
    pinned = re.findall(r"^SET search_path = ''$", text, re.MULTILINE)
    assert len(pinned) == len(definitions), f"{rules.name}: SET search_path = '' each"


def test_each_function_is_defined_in_one_rules_file() -> None:
    """Two definitions would make the outcome depend on the order files apply in."""
    counts = Counter(name for f in rules_files() for name in FUNCTION.findall(f.text.decode()))
    assert [name for name, count in counts.items() if count > 1] == []


def test_the_statement_scan_sees_what_is_not_a_rule() -> None:
    sneaky = RulesFile(
        "x.sql",
        b"-- A file that holds too much.\nCREATE OR REPLACE FUNCTION public.f() RETURNS int\n"
        b"LANGUAGE sql\nSET search_path = ''\nAS $$\nSELECT 1\n$$;\n"
        b"CREATE TABLE public.t (id int);\nGRANT SELECT ON public.t TO certflow_app;\n",
    )
    assert [line for line in statements(sneaky) if not ALLOWED.match(line)] == [
        "CREATE TABLE public.t (id int);",
        "GRANT SELECT ON public.t TO certflow_app;",
    ]


#: The first migration after the rules files existed (0021 created their table).
FIRST_AFTER_RULES = 22
#: What only a rules file does to a function once they exist: a migration that did it
#: would be undone on a fresh database (the rules apply after every migration) and
#: kept on a deployed one (an unchanged rules file is not applied again).
CHANGES_A_FUNCTION = re.compile(
    r"CREATE\s+OR\s+REPLACE\s+(FUNCTION|TRIGGER)\b|ALTER\s+FUNCTION\b"
    r"|\b(GRANT|REVOKE)\b[^;]*?\bON\s+(ALL\s+FUNCTIONS|FUNCTION)\b",
    re.IGNORECASE,
)


def function_changes(sql: str) -> list[str]:
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [" ".join(m.group(0).split()) for m in CHANGES_A_FUNCTION.finditer(without_comments)]


def test_no_later_migration_replaces_alters_or_grants_on_a_function() -> None:
    """A migration may create a function it needs itself, or drop one; the rest is the
    rules files' (README, "Schema changes")."""
    later = [
        path
        for path in sorted(SQL_DIR.glob("[0-9][0-9][0-9][0-9].*.sql"))
        if int(path.name[:4]) >= FIRST_AFTER_RULES
    ]
    problems = {
        path.name: found
        for path in later
        if (found := function_changes(path.read_text(encoding="utf-8")))
    }
    assert problems == {}, "put definitions, owners and EXECUTE rights in sql/rules/ files"


def test_the_function_check_sees_replacements_alterations_and_rights() -> None:
    sql = (
        "-- GRANT EXECUTE ON FUNCTION in a comment is fine\n"
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
        "DROP FUNCTION public.g();\n"
        "create or replace function public.h() returns int language sql as $$ select 1 $$;\n"
        "ALTER FUNCTION public.f() SECURITY DEFINER;\n"
        "GRANT EXECUTE ON FUNCTION public.f()\n    TO certflow_app;\n"
        "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;\n"
        "GRANT SELECT ON public.t TO certflow_app;\n"
    )
    assert function_changes(sql) == [
        "create or replace function",
        "ALTER FUNCTION",
        "GRANT EXECUTE ON FUNCTION",
        "REVOKE EXECUTE ON ALL FUNCTIONS",
    ]
