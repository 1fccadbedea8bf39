from django import template

from knotenpunkt.interactions.rows import followup_row as render_row
from knotenpunkt.interactions.rows import followup_rows as render_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def followup_row(context, followup, show_context=False, next_url="", error="", status=""):
    """One follow-up row (interactions/rows.py)."""
    return render_row(
        context["request"], followup, show_context=show_context, next_url=next_url, error=error, status=status
    )


@register.simple_tag(takes_context=True)
def followup_rows(context, followups, show_context=False):
    """The rows of a list of follow-ups."""
    return render_rows(context["request"], followups, show_context=show_context)
