"""Reading the deployment files as Docker and docker compose read them: the Dockerfile's
instructions, the build context that `.dockerignore` leaves, compose's `${VARIABLE}`
interpolation and the `.env` file. No Docker engine runs here (tests/platform/test_compose.py,
tests/platform/test_image_build.py)."""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


# --- Dockerfile -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, ENV, RUN...
    argument: str  # the rest, its continuation lines joined as Docker joins them
    line: int

    def __str__(self) -> str:
        return f"Dockerfile line {self.line}: {self.keyword} {self.argument.strip()}"


def parse_dockerfile(text: str) -> list[Instruction]:
    """Docker's reading: a trailing backslash continues the instruction on the next line, and
    comment lines are dropped, also between continued lines."""
    instructions = []
    pending, start = None, 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if pending is None:
            pending, start = "", number
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        pending += line
        keyword, _, argument = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), argument.strip(), start))
        pending = None
    assert pending is None, f"The Dockerfile ends inside a continued instruction (line {start})"
    return instructions


def dockerfile() -> list[Instruction]:
    return parse_dockerfile((BASE_DIR / "Dockerfile").read_text())


def env_assignments(instruction: Instruction) -> dict[str, str]:
    """`ENV A=1 B="two words"`, or the older `ENV A one value`."""
    assert "$" not in instruction.argument, (
        f"{instruction}: variable substitution in ENV is not replayed by these tests"
    )
    tokens = shlex.split(instruction.argument)
    if "=" not in tokens[0]:
        name, _, value = instruction.argument.partition(" ")
        return {name: value.strip()}
    return dict(token.split("=", 1) for token in tokens)


def exec_form(instruction: Instruction) -> list[str]:
    """A RUN or CMD as the program and arguments Docker starts (shell form through /bin/sh)."""
    if instruction.argument.startswith("["):
        return json.loads(instruction.argument)
    return ["/bin/sh", "-c", instruction.argument]


def image_cmd() -> list[str]:
    commands = [i for i in dockerfile() if i.keyword == "CMD"]
    assert commands, "The Dockerfile has no CMD"
    return exec_form(commands[-1])


# --- .dockerignore and the build context ----------------------------------------------------


@dataclass(frozen=True)
class IgnoreRule:
    regex: re.Pattern
    exception: bool  # a `!pattern` line: takes back what an earlier line excluded


def _pattern_regex(pattern: str) -> re.Pattern:
    # moby/patternmatcher: `**` spans directories, `*` and `?` stay within one name.
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i + 1)
            out.append(pattern[i : end + 1])
            i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def dockerignore_rules(text: str) -> list[IgnoreRule]:
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip().lstrip("/"))
        rules.append(IgnoreRule(_pattern_regex(pattern), exception))
    return rules


def is_ignored(relative: str, rules: list[IgnoreRule]) -> bool:
    """Docker's rule: the last matching line wins, and a line matching a parent directory
    matches everything inside it."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for rule in rules:
        if any(rule.regex.fullmatch(candidate) for candidate in candidates):
            ignored = not rule.exception
    return ignored


def copy_build_context(source: Path, destination: Path) -> None:
    """What `COPY . <destination>` puts in the image: the context minus what .dockerignore
    excludes."""
    ignore_file = source / ".dockerignore"
    rules = dockerignore_rules(ignore_file.read_text()) if ignore_file.exists() else []
    # An exception line may take a file back from inside an excluded folder: then every
    # folder is walked; without one, an excluded folder (.venv, .git) is not even entered.
    walk_excluded = any(rule.exception for rule in rules)
    for folder, subfolders, files in os.walk(source):
        relative_folder = Path(folder).relative_to(source).as_posix()
        for name in list(subfolders):
            relative = posixpath.normpath(f"{relative_folder}/{name}")
            path = Path(folder) / name
            if path.is_symlink():
                subfolders.remove(name)
                files.append(name)
            elif is_ignored(relative, rules) and not walk_excluded:
                subfolders.remove(name)
        for name in files:
            relative = posixpath.normpath(f"{relative_folder}/{name}")
            if is_ignored(relative, rules):
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(folder) / name, target, follow_symlinks=False)


# --- docker compose -------------------------------------------------------------------------


def load_compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def command_of(service: dict) -> list[str]:
    """What a service runs: its `command`, or else the image's CMD."""
    command = service.get("command")
    if command is None:
        return image_cmd()
    return list(command) if isinstance(command, list) else shlex.split(command)


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, dict):
        return {name: "" if value is None else str(value) for name, value in environment.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)


def read_env_file(path: Path) -> dict[str, str]:
    """A compose `.env` file: NAME=value lines (the rest of the line, quotes taken off)."""
    variables = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.partition("=")
        assert separator, f"{path.name}: {raw!r} is not NAME=value"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        variables[name.strip()] = value
    return variables


class MissingVariable(KeyError):
    pass


_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?])(?P<argument>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value, variables: dict[str, str]):
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`,
    `${NAME?message}` and `$$`, through strings, lists and mappings. A variable that is not
    set and has no default raises MissingVariable (compose would put in an empty string)."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        operator = match["operator"] or ""
        current = variables.get(name)
        present = bool(current) if operator.startswith(":") else current is not None
        if operator.endswith("-"):
            return current if present else match["argument"]
        if not present:
            raise MissingVariable(name, match["argument"] or "no default")
        return current

    return _VARIABLE.sub(replace, value)
