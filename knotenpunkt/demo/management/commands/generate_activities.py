"""Synthetic activities for benchmarks: `manage.py generate_activities --activities 500000 --seed 1`.

Needs the synthetic network first (`manage.py generate_network`).
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.demo import synthetic_activities as synthetic
from knotenpunkt.network import derived


class Command(BaseCommand):
    help = "Synthetische Termine (UID 'syn-…') mit Beteiligungen auf dem synthetischen Netzwerk erzeugen."

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, default=1000, help="Anzahl Termine")
        parser.add_argument("--seed", type=int, default=1, help="Startwert des Zufallsgenerators")
        parser.add_argument(
            "--anchor", type=dt.date.fromisoformat, default=None, help="Bezugstag JJJJ-MM-TT (Standard: heute)"
        )
        parser.add_argument("--clear", action="store_true", help="vorhandene synthetische Termine vorher löschen")
        parser.add_argument("--batch-size", type=int, default=20_000, help="Zeilen je Schreibvorgang (SQLite)")
        parser.add_argument(
            "--no-derived", action="store_true", help="abgeleitete Beziehungen danach nicht neu berechnen"
        )

    def handle(self, *args, **options):
        if options["activities"] < 1 or options["batch_size"] < 1:
            raise CommandError("--activities ≥ 1 und --batch-size ≥ 1 erwartet.")
        started = time.perf_counter()
        if options["clear"]:
            t = time.perf_counter()
            count = synthetic.clear()
            self._line("Löschen", time.perf_counter() - t, f"{count:,} Termine")
        try:
            report = synthetic.load(
                activities=options["activities"],
                seed=options["seed"],
                anchor=options["anchor"],
                batch_size=options["batch_size"],
                progress=self._line,
            )
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        loaded = time.perf_counter() - started
        bump_content_generation()
        t = time.perf_counter()
        if command := synthetic.vacuum():
            self._line(command, time.perf_counter() - t)
        if not options["no_derived"]:
            t = time.perf_counter()
            counts = derived.rebuild_all()
            self._line("Abgeleitete Beziehungen", time.perf_counter() - t, f"{counts['pairs']:,} Paare")
            t = time.perf_counter()
            if command := synthetic.vacuum():
                self._line(command, time.perf_counter() - t)
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.activities:,} Termine, {report.occurrences:,} Einzeltermine, "
                f"{report.participations:,} Beteiligungen: geladen in {loaded:.1f} s, insgesamt {total:.1f} s."
            )
        )

    def _line(self, phase: str, seconds: float, note: str = "") -> None:
        self.stdout.write(f"{phase:<34} {seconds:8.2f} s {note}".rstrip())
        self.stdout.flush()
