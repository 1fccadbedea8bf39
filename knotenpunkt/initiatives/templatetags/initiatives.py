from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def posted_row_form(stakeholder, row_forms=None):
    """The stakeholder's form just posted with errors, shown open in its row; None otherwise (the
    row loads a fresh form when opened: rendering a form per row made the page slow)."""
    if row_forms and stakeholder.pk in row_forms:
        return row_forms[stakeholder.pk]
    return None


@register.simple_tag
def stakeholder_base_url() -> str:
    """/vorhaben/beteiligte/ — a row's addresses are this plus "<id>/" (its form) or "<id>/verschieben/"
    (a move): one reverse() per page instead of several per stakeholder."""
    return reverse("initiatives:stakeholder_update", args=[0]).removesuffix("0/")
