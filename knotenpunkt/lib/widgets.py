"""Form widgets that render in Python.

Django's Select renders every <option> through a template include; the
directory's country filter alone has ~250 options, which made the filter form
the most expensive part of the page. Same HTML, a tenth of the time.
"""

from django import forms
from django.forms import Script
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A Select rendered in Python. With `cache_token` (e.g. ("country", "de")) the options' HTML is
    kept per token and selected value: use it only for choices that depend on nothing but the token."""

    cache_token = None
    _rendered: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        if self.cache_token is None:
            return self._render(name, value, attrs)
        key = (self.cache_token, name, tuple(sorted((attrs or {}).items())), str(value))
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) > 5000:
                self._rendered.clear()
            html = self._rendered[key] = self._render(name, value, attrs)
        return html

    def _render(self, name, value, attrs):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {"" if v is None else str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option_value), " selected" if str(option_value) in selected else "", label)
                for option_value, label in self._flat_choices()
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)

    def _flat_choices(self):
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                yield from ((v, label) for v, label in option_label)
            else:
                yield ("" if option_value is None else option_value), option_label


SEARCHABLE_MEDIA = forms.Media(
    css={"all": ["vendor/tom-select/tom-select.min.css"]},
    js=[
        Script("vendor/tom-select/tom-select.complete.min.js", defer=True),
        Script("js/searchable-select.js", defer=True),
    ],
)


def searchable(widget: forms.Widget, *, no_results: str, remove: str = "") -> forms.Widget:
    """Mark a select to become searchable (Tom Select, static/js/searchable-select.js); without JavaScript
    it stays a plain select. The texts are passed as data attributes, so the script needs no translations."""
    widget.attrs.update({"data-searchable": "", "data-no-results": no_results})
    if remove:
        widget.attrs["data-remove"] = remove
    return widget
