"""IT's recovery for a lost authenticator app: switch a user's two-factor login off (recorded)."""

from django.core.management.base import BaseCommand, CommandError

from knotenpunkt.accounts import two_factor
from knotenpunkt.accounts.models import User


class Command(BaseCommand):
    help = "Schaltet die Zwei-Faktor-Anmeldung eines Kontos ab (verlorenes Telefon); wird im Verlauf vermerkt."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        target = User.objects.filter(username=username).first()
        if target is None:
            raise CommandError(f"Kein Konto mit dem Benutzernamen „{username}“.")
        if two_factor.two_factor_disable(user=None, target=target):
            self.stdout.write(
                f"Zwei-Faktor-Anmeldung für „{username}“ abgeschaltet. Die Anmeldung fragt nur noch nach dem "
                "Passwort; die Person kann sie unter „Mein Konto“ neu einrichten."
            )
        else:
            self.stdout.write(f"„{username}“ hatte keine Zwei-Faktor-Anmeldung.")
