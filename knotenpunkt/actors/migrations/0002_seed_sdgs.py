"""The 17 SDGs with their official German and English short titles and UN colours."""

from django.db import migrations

SDGS = [
    (1, "Keine Armut", "No Poverty", "#E5243B"),
    (2, "Kein Hunger", "Zero Hunger", "#DDA63A"),
    (3, "Gesundheit und Wohlergehen", "Good Health and Well-being", "#4C9F38"),
    (4, "Hochwertige Bildung", "Quality Education", "#C5192D"),
    (5, "Geschlechtergleichheit", "Gender Equality", "#FF3A21"),
    (6, "Sauberes Wasser und Sanitäreinrichtungen", "Clean Water and Sanitation", "#26BDE2"),
    (7, "Bezahlbare und saubere Energie", "Affordable and Clean Energy", "#FCC30B"),
    (8, "Menschenwürdige Arbeit und Wirtschaftswachstum", "Decent Work and Economic Growth", "#A21942"),
    (9, "Industrie, Innovation und Infrastruktur", "Industry, Innovation and Infrastructure", "#FD6925"),
    (10, "Weniger Ungleichheiten", "Reduced Inequalities", "#DD1367"),
    (11, "Nachhaltige Städte und Gemeinden", "Sustainable Cities and Communities", "#FD9D24"),
    (12, "Nachhaltige/r Konsum und Produktion", "Responsible Consumption and Production", "#BF8B2E"),
    (13, "Maßnahmen zum Klimaschutz", "Climate Action", "#3F7E44"),
    (14, "Leben unter Wasser", "Life Below Water", "#0A97D9"),
    (15, "Leben an Land", "Life on Land", "#56C02B"),
    (16, "Frieden, Gerechtigkeit und starke Institutionen", "Peace, Justice and Strong Institutions", "#00689D"),
    (17, "Partnerschaften zur Erreichung der Ziele", "Partnerships for the Goals", "#19486A"),
]


def seed(apps, schema_editor):
    SDG = apps.get_model("actors", "SDG")
    for number, name_de, name_en, colour in SDGS:
        SDG.objects.update_or_create(number=number, defaults={"name_de": name_de, "name_en": name_en, "colour": colour})


class Migration(migrations.Migration):
    dependencies = [("actors", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
