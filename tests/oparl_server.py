"""A local OParl 1.1 server for tests: System → Body → paper list (two pages) → Paper → AgendaItem,
objects in the shape of the OParl 1.1 specification (oparl.org), served by tests/feed_server.py.

    with OParlServer() as council:
        url = council.paper_url(1)          # "Klimapartnerschaft Kongoussi, Phase 3", VORL 2027/014
        council.set_result(1, "beschlossen")
"""

from __future__ import annotations

import json

from tests.feed_server import FeedServer

SCHEMA = "https://schema.oparl.org/1.1/"
PAPERS = {
    1: ("Klimapartnerschaft mit Kongoussi (Burkina Faso), Phase 3", "VORL 2027/014", "2027-02-10", "Beschlussvorlage"),
    2: ("Erneuerung des Titels Fairtrade-Town", "VORL 2026/221", "2026-05-04", "Beschlussvorlage"),
    3: ("Haushalt 2027: Mittel für kommunale Entwicklungspolitik", "MITT 2026/090", "2026-10-01", "Mitteilungsvorlage"),
}


class OParlServer(FeedServer):
    def __enter__(self):
        super().__enter__()
        self.results = dict.fromkeys(PAPERS, "")
        self._publish()
        return self

    def base(self) -> str:
        return self.url("/oparl/v1")

    def paper_url(self, pk: int) -> str:
        return f"{self.base()}/paper/{pk}"

    def system_url(self) -> str:
        return f"{self.base()}/system"

    def set_result(self, pk: int, result: str) -> None:
        self.results[pk] = result
        self._publish()

    def _json(self, path: str, data) -> None:
        self.serve(path, json.dumps(data, ensure_ascii=False), content_type="application/json")

    def _paper(self, pk: int) -> dict:
        name, reference, date, paper_type = PAPERS[pk]
        return {
            "id": self.paper_url(pk),
            "type": SCHEMA + "Paper",
            "body": f"{self.base()}/body/1",
            "name": name,
            "reference": reference,
            "date": date,
            "paperType": paper_type,
            "web": f"https://ris.example.org/vo0050.asp?__kvonr={pk}",
            "consultation": [
                {
                    "id": f"{self.base()}/consultation/{pk}",
                    "type": SCHEMA + "Consultation",
                    "paper": self.paper_url(pk),
                    "agendaItem": f"{self.base()}/agendaitem/{pk}",
                    "meeting": f"{self.base()}/meeting/7",
                    "authoritative": True,
                    "role": "Entscheidung",
                }
            ],
            "created": "2026-01-05T09:00:00+01:00",
            "modified": "2026-11-20T16:30:00+01:00",
        }

    def _publish(self) -> None:
        base = self.base()
        self._json(
            "/oparl/v1/system",
            {
                "id": self.system_url(),
                "type": SCHEMA + "System",
                "oparlVersion": "https://schema.oparl.org/1.1/",
                "name": "Ratsinformationssystem Ludwigsburg (Test)",
                "body": f"{base}/bodies",
            },
        )
        self._json(
            "/oparl/v1/bodies",
            {
                "data": [
                    {
                        "id": f"{base}/body/1",
                        "type": SCHEMA + "Body",
                        "name": "Stadt Ludwigsburg",
                        "paper": f"{base}/body/1/papers",
                    }
                ],
                "links": {},
            },
        )
        papers = [self._paper(pk) for pk in PAPERS]
        self._json("/oparl/v1/body/1/papers", {"data": papers[:2], "links": {"next": f"{base}/body/1/papers2"}})
        self._json("/oparl/v1/body/1/papers2", {"data": papers[2:], "links": {}})
        for pk in PAPERS:
            self._json(f"/oparl/v1/paper/{pk}", self._paper(pk))
            item = {"id": f"{base}/agendaitem/{pk}", "type": SCHEMA + "AgendaItem", "number": f"{pk}.1"}
            if self.results[pk]:
                item["result"] = self.results[pk]
            self._json(f"/oparl/v1/agendaitem/{pk}", item)
        self._json(
            "/oparl/v1/meeting/7",
            {"id": f"{base}/meeting/7", "type": SCHEMA + "Meeting", "name": "Gemeinderat, 27.03.2027"},
        )
        self.serve("/oparl/v1/kein-oparl", "<html><body>Ratsinfo</body></html>", content_type="text/html")
