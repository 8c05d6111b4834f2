"""Which program opens a file at a page (`pincite open`), and starting it detached.

PDF viewers that take a page on their command line are preferred for PDFs; otherwise the desktop's
opener (`xdg-open`, macOS `open`), which opens the file at its first page. A viewer can also be given
as a command with `{path}` and `{page}` in it (`--viewer`, or `viewer` under `[open]` in the config).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass

# name → arguments after the program, for a file at a page
PAGE_VIEWERS = {
    "zathura": ["--page={page}", "{path}"],
    "evince": ["--page-label={page}", "{path}"],
    "okular": ["--page", "{page}", "{path}"],
    "qpdfview": ["{path}#{page}"],
    "mupdf": ["{path}", "{page}"],
}
KNOWN = tuple(PAGE_VIEWERS)
OPENERS = ("xdg-open", "open") if sys.platform == "darwin" else ("xdg-open",)


@dataclass(frozen=True)
class Command:
    name: str
    args: list[str]
    at_page: bool  # whether the viewer was told the page


def command(path: str, page: int | None, template: str | None = None) -> Command | None:
    """How to open `path` at `page`, or None when no viewer is found."""
    is_url = "://" in path
    pdf = path.lower().split("?")[0].endswith(".pdf")
    if template:
        args = [a.format(path=path, page=page or 1) for a in shlex.split(template)]
        return Command(args[0], args, "{page}" in template)
    if is_url:  # a browser, through the opener; PDF viewers in browsers honour #page=N
        url = f"{path}#page={page}" if pdf and page else path
        for opener in OPENERS:
            if shutil.which(opener):
                return Command(opener, [opener, url], bool(pdf and page))
        return None
    if pdf and page:
        for name, rest in PAGE_VIEWERS.items():
            if shutil.which(name):
                return Command(name, [name, *(a.format(path=path, page=page) for a in rest)], True)
    for opener in OPENERS:
        if shutil.which(opener):
            return Command(opener, [opener, path], False)
    return None


def launch(args: list[str]) -> None:
    """Start the viewer and return at once, its output kept off ours."""
    try:
        subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    except OSError as e:
        from pincite.errors import PinciteError

        raise PinciteError(f"cannot run {args[0]}: {e.strerror or e}") from e
