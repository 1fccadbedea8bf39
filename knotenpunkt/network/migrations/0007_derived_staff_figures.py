"""What city staff may see of derived relationships and last contacts (`staff_*`).

The figures are filled for pairs and actors that no coordination-only contact names: there they equal
the full ones. The rest stay empty (hidden from city staff, never too much) until the nightly
recomputation (network.tasks.rebuild_derived_ties) fills them exactly.
"""

from django.db import migrations, models
from django.db.models import F, Q


def fill_staff_figures(apps, schema_editor):
    DerivedTie = apps.get_model("network", "DerivedTie")
    ActorContact = apps.get_model("network", "ActorContact")
    Interaction = apps.get_model("interactions", "Interaction")
    Named = Interaction.actors.through
    hidden = Named.objects.filter(interaction__visibility="coordination")
    hidden_actors = hidden.values("actor_id")
    # A pair is affected only if both of its actors are named in coordination-only contacts.
    DerivedTie.objects.exclude(Q(actor_a_id__in=hidden_actors) & Q(actor_b_id__in=hidden_actors)).update(
        staff_count=F("count"),
        staff_first_met=F("first_met"),
        staff_last_met=F("last_met"),
        staff_weight_score=F("weight_score"),
    )
    ActorContact.objects.exclude(actor_id__in=hidden_actors).update(
        staff_last_contact=F("last_contact"), staff_last_interaction=F("last_interaction")
    )
    # Named in a coordination-only contact: what their activities tell is known to city staff too.
    ActorContact.objects.filter(actor_id__in=hidden_actors, last_activity__isnull=False).update(
        staff_last_contact=F("last_activity")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0010_person_privacy"),
        ("network", "0006_network_constraint_messages"),
        ("interactions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="actorcontact",
            name="staff_last_contact",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="actorcontact",
            name="staff_last_interaction",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="derivedtie",
            name="staff_count",
            field=models.PositiveIntegerField(default=0, verbose_name="für Mitarbeitende sichtbare Begegnungen"),
        ),
        migrations.AddField(
            model_name="derivedtie",
            name="staff_first_met",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="derivedtie",
            name="staff_last_met",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="derivedtie",
            name="staff_weight_score",
            field=models.FloatField(default=0),
        ),
        migrations.AddIndex(
            model_name="actorcontact",
            index=models.Index(fields=["staff_last_contact"], name="actorcontact_staff_last"),
        ),
        migrations.AddConstraint(
            model_name="derivedtie",
            constraint=models.CheckConstraint(
                condition=models.Q(("staff_count__lte", models.F("count"))),
                name="derivedtie_staff_within_count",
                violation_error_code="staff_count",
                violation_error_message="Es gibt nicht mehr für Mitarbeitende sichtbare als alle Begegnungen.",
            ),
        ),
        migrations.RunPython(fill_staff_figures, migrations.RunPython.noop),
    ]
