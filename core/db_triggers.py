"""Statement-level PostgreSQL triggers, as SQL for a migration (idempotent)."""


def statement_trigger_sql(
    function: str,
    table: str,
    event: str,
    referencing: str,
    statement: str,
    *,
    skip_if: str = "",
    instead: tuple[str, str] | None = None,
) -> str:
    """A plpgsql function running `statement` after each `event` statement on `table`, with
    the transition tables `referencing` names, and the trigger calling it; `skip_if` is a
    condition under which the function does nothing, `instead` a (condition, statement) run
    in place of `statement` when the condition holds.

    EXECUTE plans the statement for the rows at hand each time: a plan cached from a one-row
    statement (a nested loop over the transition tables) reused for a 10,000-row one took a
    minute instead of a second."""
    guard = f"IF {skip_if} THEN RETURN NULL; END IF;\n" if skip_if else ""
    if instead:
        condition, alternative = instead
        guard += (
            f"IF {condition} THEN EXECUTE $statement${alternative}$statement$; RETURN NULL; "
            "END IF;\n"
        )
    return (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{guard}EXECUTE $statement${statement}$statement$;\nRETURN NULL;\nEND\n$$;\n"
        f"DROP TRIGGER IF EXISTS {function} ON {table};\n"
        f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    )


def drop_trigger_sql(function: str, table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
