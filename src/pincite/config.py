"""Defaults for the command line from a TOML file, as click's `default_map`.

Where: `$PINCITE_CONFIG` if set (it must exist), else `$XDG_CONFIG_HOME/pincite/config.toml`, else
`~/.config/pincite/config.toml` (the XDG Base Directory convention; a missing file there is no error).

What: any option of any command, by its long name, in a table named after the command; top-level keys
are options of `pincite` itself (`home`) or, when no such option exists, a default for every command
that has that option (`format = "table"`)::

    home = "~/rcp/pincite"
    format = "table"          # every command with a --format that offers it

    [search]
    limit = 20

    [crawl]
    contact = "https://example.org/me"
    delay = 5

    [ingest]
    exclude = ["drafts", "*.tmp"]

Nothing here knows the options: a new option of a command is configurable as soon as it exists.
Options given on the command line win; a misspelt key is an error naming the file and the key.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from pincite.errors import PinciteError


class ConfigError(PinciteError):
    exit_code = 2


def config_path() -> tuple[Path, bool]:
    """The config file, and whether it was named explicitly (then it must exist)."""
    env = os.environ.get("PINCITE_CONFIG")
    if env:
        return Path(env).expanduser(), True
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "pincite" / "config.toml", False


def load(path: Path | None = None, explicit: bool = True) -> dict:
    if path is None:
        path, explicit = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"no config file at {path} (from PINCITE_CONFIG)") from None
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the config file {path}: {e}") from e
    import tomllib  # only when there is a file to read: every command starts here

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path}: {e}") from e


def _params(cmd: click.Command) -> dict[str, click.Parameter]:
    """An option's names as a config key may spell them: `max-size`, `max_size` (and its Python name)."""
    out: dict[str, click.Parameter] = {}
    for p in cmd.params:
        if not isinstance(p, click.Option) or p.name in ("help", "version"):
            continue
        out[p.name] = p
        for opt in p.opts:
            if opt.startswith("--"):
                out[opt[2:]] = p
                out[opt[2:].replace("-", "_")] = p
    return out


def _value(p: click.Parameter, value, where: str):
    if p.multiple and isinstance(value, str):
        value = [value]
    if p.multiple and not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list")
    try:
        p.type_cast_value(click.Context(click.Command("config")), value)
    except click.BadParameter as e:
        raise ConfigError(f"{where}: {e.message}") from None
    return value


def default_map(group: click.Group, data: dict, source: str) -> dict:
    """click's default_map for `group` from the parsed TOML."""
    out: dict = {}
    top = _params(group)
    subs = {name: _params(cmd) for name, cmd in group.commands.items()}
    for key, value in data.items():
        where = f"config file {source}: {key}"
        if isinstance(value, dict):
            if key not in subs:
                raise ConfigError(f"{where}: no command named {key!r} (commands: {', '.join(sorted(subs))})")
            for k, v in value.items():
                p = subs[key].get(k)
                if p is None:
                    raise ConfigError(f"config file {source}: [{key}] {k}: `pincite {key}` has no option --{k}")
                out.setdefault(key, {})[p.name] = _value(p, v, f"config file {source}: [{key}] {k}")
        elif key in top:
            out[top[key].name] = _value(top[key], value, where)
        else:
            users = {name: ps[key] for name, ps in subs.items() if key in ps}
            if not users:
                raise ConfigError(f"{where}: no command has an option --{key}")
            errors = []
            for name, p in users.items():
                try:
                    v = _value(p, value, where)
                except ConfigError as e:
                    errors.append(e)  # a value one command's choices do not offer (`format = "table"`, export)
                    continue
                out.setdefault(name, {}).setdefault(p.name, v)
            if len(errors) == len(users):
                raise errors[0]
    return out
