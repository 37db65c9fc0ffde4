"""`manage.py apierrors_docs`: the errors reference page written to a file or stdout."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from .page import FORMATS, build_document, render


class Command(BaseCommand):
    help = (
        "Writes the errors reference page of this project (built-in and custom codes) as "
        "Markdown, HTML or JSON. The output is stable: commit it and review its diff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="markdown")
        parser.add_argument(
            "--language",
            help="the language to write the page in (default: LANGUAGE_CODE), e.g. de",
        )
        parser.add_argument(
            "--output",
            help="a file to write, its folders created as needed (default: standard output)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"] or settings.LANGUAGE_CODE
        if not translation.check_for_language(language):
            raise CommandError(f"Django has no translations for the language {language!r}.")
        with translation.override(language):
            page = render(build_document(), options["format"])
        if options["output"]:
            write_page(Path(options["output"]), page)
        else:
            self.stdout.write(page, ending="")


def write_page(target: Path, page: str) -> None:
    """Write `page` to `target`, creating its folders; CommandError when it cannot."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except (FileExistsError, NotADirectoryError) as failure:  # a file where a folder goes
        in_the_way = _file_in_the_way(target.parent) or target.parent
        raise CommandError(
            f"Cannot write the errors page to {target}: {in_the_way} is a file, not a folder."
        ) from failure
    except OSError as failure:
        reason = failure.strerror or str(failure)
        where = f" ({failure.filename})" if failure.filename not in (None, str(target)) else ""
        raise CommandError(
            f"Cannot write the errors page to {target}: {reason}{where}."
        ) from failure


def _file_in_the_way(folder: Path) -> Path | None:
    """The nearest existing ancestor of `folder` (itself included), when not a folder."""
    for ancestor in (folder, *folder.parents):
        if ancestor.exists():
            return None if ancestor.is_dir() else ancestor
    return None
