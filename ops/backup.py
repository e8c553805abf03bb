"""Backup and restore of the PostgreSQL database, embedded or configured.

    python -m ops.backup backup [--dir DIR | --file FILE]   (make backup)
    python -m ops.backup restore FILE [--force]              (make restore FILE=… CONFIRM=yes)

The database is the one DATABASE_URL names; when it is unset, the embedded server under .data/
(see ops/dev.py), started for the command and stopped again if it was not running before.

Only PostgreSQL is backed up: it holds every business record, the audit trail and the Celery beat
schedules (django-celery-beat). Redis holds only the broker queue and the cache, which the
application rebuilds; it is not part of a backup.

A backup is a PostgreSQL custom-format archive (`pg_dump --format=custom`), so it can also be
restored by hand with `pg_restore`. A restore never edits the live database in place: it restores
into a scratch database and, only when that succeeded, swaps the two by renaming them in one
transaction. A failed restore leaves the live database exactly as it was. Settings made with
ALTER DATABASE … SET are not part of a pg_dump archive and are not carried over.

pg_dump and pg_restore come from PG_BIN_DIR when it is set; otherwise from the pgserver wheel
(first for the embedded server) or PATH (first for a configured one), whichever is at least
the server's major version.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ops import dev

DEFAULT_BACKUP_DIR = dev.BASE_DIR / "backups"
# Every custom-format archive starts with these bytes (pg_backup_archiver.c).
CUSTOM_FORMAT_MAGIC = b"PGDMP"
# PostgreSQL truncates identifiers longer than this, so derived database names must fit.
MAX_IDENTIFIER_LENGTH = 63
MAINTENANCE_DATABASES = ("postgres", "template1")
SESSION_EXIT_PATIENCE = 3.0


class BackupError(Exception):
    """A problem the operator can fix; the message says what it is and what to do."""


# --- Finding pg_dump and pg_restore -----------------------------------------------------------


@dataclass(frozen=True)
class ClientTools:
    pg_dump: Path
    pg_restore: Path
    major_version: int


def wheel_bin_dir() -> Path | None:
    """The binaries that ship inside the pgserver wheel (the [embedded] extra), if installed."""
    try:
        pgserver, _ = dev._import_pgserver()
    except ImportError:
        return None
    folder = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def client_major_version(program: Path) -> int | None:
    """15 for "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"; None if it does not run."""
    try:
        output = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", output)
    return int(match.group(1)) if match else None


def candidate_bin_dirs(*, embedded: bool) -> list[Path]:
    """PG_BIN_DIR alone when set; otherwise the wheel's binaries first for the embedded server
    (they are its exact version) and the ones on PATH first for a configured server."""
    if os.environ.get("PG_BIN_DIR"):
        return [Path(os.environ["PG_BIN_DIR"])]
    on_path = shutil.which("pg_dump")
    path_dirs = [Path(on_path).parent] if on_path else []
    wheel_dirs = [folder] if (folder := wheel_bin_dir()) else []
    return wheel_dirs + path_dirs if embedded else path_dirs + wheel_dirs


def find_client_tools(server_major_version: int, search: list[Path]) -> ClientTools:
    """The first folder holding pg_dump and pg_restore at least as new as the server: pg_dump
    refuses to dump a newer server, and an older pg_restore cannot read a newer archive."""
    rejected = []
    for folder in search:
        pg_dump, pg_restore = folder / "pg_dump", folder / "pg_restore"
        if not (pg_dump.is_file() and pg_restore.is_file()):
            rejected.append(f"{folder}: no pg_dump and pg_restore there")
            continue
        version = client_major_version(pg_dump)
        if version is None:
            rejected.append(f"{pg_dump}: does not run")
        elif version < server_major_version:
            rejected.append(f"{pg_dump}: version {version}, older than the server")
        else:
            return ClientTools(pg_dump=pg_dump, pg_restore=pg_restore, major_version=version)
    looked = "\n  ".join(rejected) or "no pg_dump on PATH and the pgserver wheel is not installed"
    raise BackupError(
        f"No pg_dump/pg_restore of version {server_major_version} or newer was found:\n"
        f"  {looked}\n"
        f"Install the PostgreSQL {server_major_version} client programs (Debian and Ubuntu: "
        f"postgresql-client-{server_major_version}), or set PG_BIN_DIR to their folder."
    )


# --- Connections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """One database on a server, reachable both by psycopg and by the PostgreSQL programs."""

    params: dict[str, str]

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            params = {key: str(value) for key, value in conninfo_to_dict(url).items()}
        except psycopg.ProgrammingError as error:
            raise BackupError(f"The database URL cannot be read: {error}") from None
        if not params.get("dbname"):
            raise BackupError("The database URL must name a database, e.g. postgresql://…/crm")
        return cls(params)

    @property
    def name(self) -> str:
        return self.params["dbname"]

    def sibling(self, name: str) -> Database:
        """Another database on the same server, as the same user."""
        return Database({**self.params, "dbname": name})

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(make_conninfo(**self.params), autocommit=True)

    def program_arguments(self) -> tuple[str, dict[str, str]]:
        """The --dbname value and environment for pg_dump/pg_restore; the password travels in
        the environment because a command line is visible to every user of the machine."""
        params = dict(self.params)
        password = params.pop("password", "")
        env = {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)
        return make_conninfo(**params), env


def maintenance_connection(database: Database) -> psycopg.Connection:
    """A connection to the server outside `database`, which cannot be renamed from inside."""
    errors = []
    for name in MAINTENANCE_DATABASES:
        if name == database.name:
            continue
        try:
            return database.sibling(name).connect()
        except psycopg.OperationalError as error:
            errors.append(f"{name}: {str(error).strip()}")
    raise BackupError("Cannot connect to the database server:\n  " + "\n  ".join(errors))


def server_major_version(connection: psycopg.Connection) -> int:
    return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


def database_exists(connection: psycopg.Connection, name: str) -> bool:
    row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def user_table_count(database: Database) -> int:
    """Tables outside PostgreSQL's own schemas: any at all means the database holds data."""
    with database.connect() as connection:
        return connection.execute(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
            """
        ).fetchone()[0]


def other_sessions(
    connection: psycopg.Connection, name: str, *, patience: float = SESSION_EXIT_PATIENCE
) -> list[str]:
    """Applications connected to the database. Autovacuum workers are left out: the rename
    stops them itself. A session that has just disconnected (this command's own look at the
    tables, a web worker shutting down) stays listed until its server process has exited, so
    the list must stay non-empty for `patience` seconds to count."""
    deadline = time.monotonic() + patience
    while True:
        rows = connection.execute(
            """
            SELECT coalesce(nullif(application_name, ''), 'pid ' || pid)
            FROM pg_stat_activity
            WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """,
            [name],
        ).fetchall()
        if not rows or time.monotonic() > deadline:
            return [row[0] for row in rows]
        time.sleep(0.1)


def _run(command: list[str], env: dict[str, str], failure: str, *, umask: int = -1) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, umask=umask)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        if not detail:
            detail = (
                f"{Path(command[0]).name} was killed by signal {-result.returncode}"
                if result.returncode < 0
                else f"{Path(command[0]).name} exited with status {result.returncode}"
            )
        raise BackupError(f"{failure}:\n{detail}")
    return result.stdout


# --- Backup -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    table_count: int


def backup_file_name(database_name: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{database_name}-{stamp}.dump"


def backup_database(database: Database, path: Path, tools: ClientTools) -> BackupResult:
    """Writes a custom-format archive of `database` to `path`, which must not exist yet.

    pg_dump reads one consistent snapshot, so the application may keep running meanwhile."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose another file name.")
    # A backup holds customers' personal data and password hashes: readable by its owner only.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written under a temporary name and renamed when complete, so an interrupted backup never
    # leaves a file that looks like a good one.
    partial = path.with_name(path.name + ".partial")
    conninfo, env = database.program_arguments()
    try:
        _run(
            [
                str(tools.pg_dump),
                "--format=custom",
                "--no-password",
                f"--file={partial}",
                f"--dbname={conninfo}",
            ],
            env,
            f'pg_dump could not back up database "{database.name}"',
            umask=0o077,
        )
        table_count = archive_table_count(partial, tools)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=path, size=path.stat().st_size, table_count=table_count)


def archive_table_count(path: Path, tools: ClientTools) -> int:
    """Reads the archive's table of contents: a file pg_restore cannot list is no backup."""
    listing = _run(
        [str(tools.pg_restore), "--list", str(path)],
        dict(os.environ),
        f"{path} is not a readable PostgreSQL custom-format backup",
    )
    return sum(1 for line in listing.splitlines() if " TABLE DATA " in line)


# --- Restore ----------------------------------------------------------------------------------


class RestoreRefused(BackupError):
    """The target holds data or is in use; nothing was changed."""


def check_backup_file(path: Path, tools: ClientTools) -> int:
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as file:
        if file.read(len(CUSTOM_FORMAT_MAGIC)) != CUSTOM_FORMAT_MAGIC:
            raise BackupError(
                f"{path} is not a PostgreSQL custom-format backup (made by make backup or "
                "pg_dump --format=custom)."
            )
    return archive_table_count(path, tools)


def derived_name(base: str, purpose: str, stamp: str) -> str:
    suffix = f"_{purpose}_{stamp}"
    return base[: MAX_IDENTIFIER_LENGTH - len(suffix)] + suffix


def restore_database(
    database: Database, path: Path, tools: ClientTools, *, force: bool = False
) -> int:
    """Replaces `database` (created if missing) with the contents of the backup at `path`.

    Refused without `force` when the database holds tables, and whenever another session is
    connected to it. Returns the number of tables restored."""
    table_count = check_backup_file(path, tools)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    scratch = database.sibling(derived_name(database.name, "restoring", stamp))
    replaced_name = derived_name(database.name, "replaced", stamp)
    with maintenance_connection(database) as server:
        target_exists = database_exists(server, database.name)
        if target_exists:
            refuse_if_unsafe(server, database, force=force)
        create_scratch_like(server, scratch.name, template=database.name if target_exists else None)
        try:
            conninfo, env = scratch.program_arguments()
            _run(
                [
                    str(tools.pg_restore),
                    # One commit instead of one per object: far fewer disk flushes, and a
                    # failure stops at the first error.
                    "--single-transaction",
                    "--no-password",
                    # Objects belong to the user who restores, so a backup of the embedded
                    # database (owner postgres) restores into production (owner crm) and back.
                    "--no-owner",
                    "--no-privileges",
                    f"--dbname={conninfo}",
                    str(path),
                ],
                env,
                f'pg_restore failed; database "{database.name}" was left unchanged',
            )
            with scratch.connect() as restored:
                # pg_restore leaves no planner statistics; the first queries would crawl.
                restored.execute("ANALYZE")
            swap_in(server, scratch.name, database.name, replaced_name if target_exists else None)
        except BaseException as error:
            try:
                drop_database(server, scratch.name)
            except psycopg.Error as cleanup_error:
                error.add_note(
                    f'The scratch database "{scratch.name}" could not be dropped '
                    f"({cleanup_error}); drop it by hand."
                )
            raise
        if target_exists:
            drop_database(server, replaced_name)
    return table_count


def refuse_if_unsafe(server: psycopg.Connection, database: Database, *, force: bool) -> None:
    tables = user_table_count(database)
    if tables and not force:
        raise RestoreRefused(
            f'Database "{database.name}" already holds data ({tables} tables); a restore '
            "replaces all of it. Nothing was changed. To replace it, run again with CONFIRM=yes "
            "(make restore) or --force (python -m ops.backup restore)."
        )
    sessions = other_sessions(server, database.name)
    if sessions:
        raise RestoreRefused(
            f'{len(sessions)} other session(s) are connected to database "{database.name}" '
            f"({', '.join(sorted(set(sessions)))}). Stop the web server, worker and beat first "
            "(Ctrl-C on make run; docker compose stop web worker beat). Nothing was changed."
        )


def create_scratch_like(server: psycopg.Connection, name: str, *, template: str | None) -> None:
    """An empty database with the target's owner, encoding and collation, so that the swap
    changes the contents and nothing else."""
    statement = sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
    if template is not None:
        owner, encoding, collate, ctype = server.execute(
            """
            SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype
            FROM pg_database WHERE datname = %s
            """,
            [template],
        ).fetchone()
        statement += sql.SQL(" OWNER {} ENCODING {} LC_COLLATE {} LC_CTYPE {}").format(
            sql.Identifier(owner), sql.Literal(encoding), sql.Literal(collate), sql.Literal(ctype)
        )
    try:
        server.execute(statement)
    except psycopg.errors.InsufficientPrivilege as error:
        raise BackupError(
            f"Cannot create the scratch database a restore needs: {error}. The database user "
            "needs the CREATEDB privilege and must own the target database."
        ) from None


def swap_in(server: psycopg.Connection, scratch: str, target: str, replaced: str | None) -> None:
    """Both renames in one transaction: the live name points at the old or the new database,
    never at neither."""
    try:
        with server.transaction():
            if replaced:
                server.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(target), sql.Identifier(replaced)
                    )
                )
            server.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(scratch), sql.Identifier(target)
                )
            )
    except psycopg.errors.ObjectInUse:
        raise RestoreRefused(
            f'A session connected to database "{target}" during the restore, so it was not '
            "replaced. Stop the web server, worker and beat and run the restore again."
        ) from None


def drop_database(server: psycopg.Connection, name: str) -> None:
    """Only for this command's own scratch and replaced databases: FORCE ends a pg_restore
    session that is still exiting after an interruption."""
    server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- Command line -----------------------------------------------------------------------------


@contextlib.contextmanager
def configured_or_embedded_database() -> Iterator[tuple[Database, bool]]:
    """DATABASE_URL when set; otherwise the embedded server, stopped again afterwards only if
    this command started it (a running `make run` keeps its database)."""
    if os.environ.get("DATABASE_URL"):
        yield Database.from_url(os.environ["DATABASE_URL"]), False
        return
    state = dev.ensure_services(database=True, redis=False).database
    try:
        yield Database.from_url(state.url), True
    finally:
        if state.started_here:
            dev.stop_services(database=True, redis=False)


def tools_for(database: Database, *, embedded: bool) -> ClientTools:
    with maintenance_connection(database) as server:
        version = server_major_version(server)
    return find_client_tools(version, candidate_bin_dirs(embedded=embedded))


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    unit = "KB"
    for larger in ("MB", "GB"):
        if value < 1024:
            break
        value /= 1024
        unit = larger
    return f"{value:.1f} {unit}"


def command_backup(directory: Path | None, file: Path | None) -> int:
    with configured_or_embedded_database() as (database, embedded):
        tools = tools_for(database, embedded=embedded)
        path = file or (directory or DEFAULT_BACKUP_DIR) / backup_file_name(database.name)
        result = backup_database(database, path.resolve(), tools)
    print(
        f'Backed up database "{database.name}" ({result.table_count} tables) to\n'
        f"  {result.path}\n  {human_size(result.size)}\n"
        "Covers PostgreSQL only: every record, the audit trail and the beat schedules. "
        "Redis holds only the queue and the cache."
    )
    return 0


def command_restore(file: Path, *, force: bool) -> int:
    with configured_or_embedded_database() as (database, embedded):
        tools = tools_for(database, embedded=embedded)
        table_count = restore_database(database, file.resolve(), tools, force=force)
    print(f'Restored database "{database.name}" ({table_count} tables) from {file}.')
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.backup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="write a pg_dump custom-format archive")
    where = backup.add_mutually_exclusive_group()
    where.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ["BACKUP_DIR"]) if os.environ.get("BACKUP_DIR") else None,
        help=f"folder for a timestamped file (default $BACKUP_DIR or {DEFAULT_BACKUP_DIR})",
    )
    where.add_argument("--file", type=Path, help="exact file to write; must not exist")
    restore = commands.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("file", type=Path, help="a file written by `make backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace the database even if it holds data"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            return command_backup(args.dir, args.file)
        return command_restore(args.file, force=args.force)
    except BackupError as error:
        print(f"{args.command}: {error}", *getattr(error, "__notes__", []), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
