"""factory_boy factories shared by the whole suite."""

import factory
from django.utils.text import slugify

from knotenpunkt.accounts.models import Role, User
from knotenpunkt.actors.models import Actor, ActorKind, Level, Membership, Person, Theme
from knotenpunkt.network.models import Tie, TieKind


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    name_de = factory.Sequence(lambda n: f"Thema {n}")
    name_en = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name_de))


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Akteur {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = ActorKind.ASSOCIATION
    level = Level.LOCAL
    description = "Ein Verein in Ludwigsburg."
    city = "Ludwigsburg"
    published = True
    internal_notes = "Vertraulich: nur für die Koordination."


class DepartmentFactory(ActorFactory):
    kind = ActorKind.CITY_DEPARTMENT
    name = factory.Sequence(lambda n: f"Fachbereich {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = "Erika"
    last_name = factory.Sequence(lambda n: f"Beispiel{n}")
    email = factory.LazyAttribute(lambda o: f"{o.last_name.lower()}@example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    actor = factory.SubFactory(ActorFactory)
    function = "Vorsitz"


class TieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tie

    source = factory.SubFactory(ActorFactory)
    target = factory.SubFactory(ActorFactory)
    kind = TieKind.COOPERATION


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.ACTOR_EDITOR
    password = factory.PostGenerationMethodCall("set_password", "geheim-genug-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --- contact log (interactions) -----------------------------------------------------------


class InteractionFactory(factory.django.DjangoModelFactory):
    """A contact written directly (around the services: no derived relationships are refreshed)."""

    class Meta:
        model = "interactions.Interaction"
        skip_postgeneration_save = True

    channel = "meeting"
    summary = factory.Sequence(lambda n: f"Gespräch Nummer {n} über die Klimapartnerschaft.")
    visibility = "coordination"

    @factory.post_generation
    def actors(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.actors.set(extracted)


def _today():
    from django.utils import timezone

    return timezone.localdate()


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "interactions.FollowUp"

    title = factory.Sequence(lambda n: f"Wiedervorlage {n}")
    due_date = factory.LazyFunction(_today)
    assignee = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


# --- synergies: offers and needs -----------------------------------------------------------


class ListingFactory(factory.django.DjangoModelFactory):
    """An offer or need written directly (around the services: the page cache is not refreshed)."""

    class Meta:
        model = "synergies.Listing"
        skip_postgeneration_save = True

    actor = factory.SubFactory(ActorFactory)
    direction = "offer"
    category = "rooms"
    title = factory.Sequence(lambda n: f"Angebot {n}: Gemeindesaal für 80 Personen")
    description = "Mit Beamer und Küche, abends und am Wochenende."
    valid_from = factory.LazyFunction(_today)
    public = True

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.themes.set(extracted)
