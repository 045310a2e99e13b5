"""Fail on a dead relative link, or a heading anchor that is not there, in Markdown files.

    python -m tools.check_links README.md docs/*.md       # make lint runs this

A link is dead when the file or folder it names does not exist, when it leaves the repository
(the folder the command runs in), or when its `#anchor` names no heading of the Markdown file it
points to (anchors as GitHub and GitLab make them). Links with a scheme (`https:`, `mailto:`) are
not followed: the check runs offline. Code blocks and code spans are not read.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
HTML_ID = re.compile(r"""<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']""")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class DeadLink:
    """A link that leads nowhere: where it is, what it says, and why it is dead."""

    path: Path
    line: int
    target: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.target}: {self.reason}"


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield each line outside fenced code blocks, numbered from 1."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is not None:
            if opened and opened[1] == fence:
                fence = None
            continue
        if opened:
            fence = opened[1]
            continue
        yield number, line


def slug(heading: str) -> str:
    """Return the anchor GitHub makes of a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Return every anchor a Markdown text defines: its headings' (numbered when repeated), ids."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(text):
        found.update(HTML_ID.findall(CODE_SPAN.sub("", line)))
        heading = HEADING.match(line)
        if heading is None:
            continue
        base = slug(heading[2])
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(text: str) -> Iterator[tuple[int, str]]:
    """Yield each link target of a Markdown text with its line number."""
    for number, line in prose_lines(text):
        # What a code span shows is code, not a link.
        prose = CODE_SPAN.sub("", line)
        for pattern in (INLINE_LINK, HTML_LINK):
            for target in pattern.findall(prose):
                yield number, target


def _has_anchor(page: Path, anchor: str) -> bool:
    """Return whether `anchor` is on `page`; only a Markdown file's anchors are known."""
    if page.suffix != ".md" or not page.is_file():
        return True
    return anchor in anchors(page.read_text(encoding="utf-8"))


def dead_links(path: Path, root: Path) -> Iterator[DeadLink]:
    """Yield every dead link of the Markdown file `path`; links may not leave `root`."""
    text = path.read_text(encoding="utf-8")
    root = root.resolve()
    for line, target in links(text):
        if SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / unquote(file_part)).resolve() if file_part else path.resolve()
        if not destination.is_relative_to(root):
            yield DeadLink(path, line, target, "leaves the repository")
        elif not destination.exists():
            yield DeadLink(path, line, target, "no such file or folder")
        elif anchor and not _has_anchor(destination, unquote(anchor)):
            yield DeadLink(path, line, target, f"no heading makes the anchor #{anchor}")


def main(argv: Sequence[str] | None = None) -> int:
    """Check the Markdown files named on the command line; return 1 when a link is dead."""
    paths = [Path(name) for name in (sys.argv[1:] if argv is None else argv)]
    dead = [link for path in paths for link in dead_links(path, Path.cwd())]
    for link in dead:
        print(link, file=sys.stderr)
    if dead:
        print(f"{len(dead)} dead link(s) in {len(paths)} Markdown file(s)", file=sys.stderr)
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main())
