from django import template

from knotenpunkt.initiatives.forms import StakeholderForm

register = template.Library()


@register.simple_tag
def row_form(stakeholder, row_forms=None):
    """The stakeholder's edit form: the one just posted (with its errors), else a fresh one."""
    if row_forms and stakeholder.pk in row_forms:
        return row_forms[stakeholder.pk]
    return StakeholderForm(stakeholder=stakeholder)
