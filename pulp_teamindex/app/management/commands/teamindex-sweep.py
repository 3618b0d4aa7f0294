"""`pulpcore-manager teamindex-sweep [--grace SECONDS]`: remove the leftovers of crashes now,
on this node (see `pulp_teamindex.app.sweeper`), and print what went as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from pulp_teamindex.app.sweeper.sweeping import sweep


class Command(BaseCommand):
    help = (
        "Remove what crashes left behind: media files no artifact names, upload spool files, "
        "dead workers' directories and tasks, failed imports' units. Nothing younger than "
        "--grace seconds (default TEAMINDEX_SWEEP_GRACE) is removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=float, default=None, help="seconds (default: setting)")

    def handle(self, *args, grace=None, **options):
        if grace is not None and grace < 0:
            raise CommandError("--grace must be 0 or more seconds.")
        report = sweep(grace)
        if report is None:
            raise CommandError("Another sweep is running; nothing was done. Try again later.")
        self.stdout.write(json.dumps(report))
