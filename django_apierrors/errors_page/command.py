"""`manage.py apierrors_docs`: the errors reference page written to a file or stdout."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from .page import FORMATS, build_document, render


class Command(BaseCommand):
    help = (
        "Writes the errors reference page of this project (built-in and custom codes) as "
        "Markdown, HTML or JSON. The output is stable: commit it and review its diff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="markdown")
        parser.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        page = render(build_document(), options["format"])
        if options["output"]:
            Path(options["output"]).write_text(page, encoding="utf-8")
        else:
            self.stdout.write(page, ending="")
