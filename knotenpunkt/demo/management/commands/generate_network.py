"""Synthetic network for benchmarks: `manage.py generate_network --actors 100000 --ties 1000000 --seed 1`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from knotenpunkt.actors import search
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.demo import synthetic_network as synthetic
from knotenpunkt.network.services import tie_counts_rebuild


class Command(BaseCommand):
    help = "Synthetisches Netzwerk (Akteure mit Slug 'syn-…' und Beziehungen) für Benchmarks erzeugen."

    def add_arguments(self, parser):
        parser.add_argument("--actors", type=int, default=1000, help="Anzahl Akteure")
        parser.add_argument("--ties", type=int, default=5000, help="Anzahl Beziehungen")
        parser.add_argument("--seed", type=int, default=1, help="Startwert des Zufallsgenerators")
        parser.add_argument("--clear", action="store_true", help="vorhandene synthetische Daten vorher löschen")
        parser.add_argument("--batch-size", type=int, default=20_000, help="Zeilen je Schreibvorgang (SQLite)")
        parser.add_argument("--no-index", action="store_true", help="Suchindex danach nicht neu aufbauen")

    def handle(self, *args, **options):
        if options["actors"] < 2 or options["ties"] < 0 or options["batch_size"] < 1:
            raise CommandError("--actors ≥ 2, --ties ≥ 0 und --batch-size ≥ 1 erwartet.")
        started = time.perf_counter()
        if options["clear"]:
            t = time.perf_counter()
            count = synthetic.clear()
            self._line("Löschen", time.perf_counter() - t, f"{count:,} Akteure")

        try:
            report = synthetic.load(
                actors=options["actors"],
                ties=options["ties"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=self._line,
            )
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        loaded = time.perf_counter() - started

        t = time.perf_counter()
        with transaction.atomic():
            tie_counts_rebuild()
        self._line("Beziehungen je Akteur zählen", time.perf_counter() - t)
        if not options["no_index"]:
            t = time.perf_counter()
            with transaction.atomic():
                search.rebuild_index()
            self._line("Suchindex", time.perf_counter() - t)
        bump_content_generation()
        t = time.perf_counter()
        # After the index rebuild, which rewrites every actor row.
        if command := synthetic.vacuum():
            self._line(command, time.perf_counter() - t)
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.actors:,} Akteure, {report.ties:,} Beziehungen: geladen in {loaded:.1f} s, "
                f"insgesamt {total:.1f} s."
            )
        )

    def _line(self, phase: str, seconds: float, note: str = "") -> None:
        self.stdout.write(f"{phase:<34} {seconds:8.2f} s {note}".rstrip())
        self.stdout.flush()
