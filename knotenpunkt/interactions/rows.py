"""A follow-up row (`<li>` with its buttons), rendered in Python.

The Schreibtisch lists up to thirty of them; through a template include each row cost about 0.6 ms, a
third of the page (docs/benchmarks.md, "Everyday use"). The same HTML, built with format_html: every
value is escaped, the texts are the template's msgids. Used by the `{% followup_row %}` tag and, through
interactions/_followup_row.html, by the htmx answers that swap one row.
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def _form(request, action: str, *, target: str, next_url: str, show_context: bool, button: SafeString, extra="") -> str:
    return format_html(
        '<form method="post" action="{action}" class="inline-form" hx-post="{action}" hx-target="{target}"{extra}>'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">{hidden}{button}</form>',
        action=action,
        target=target,
        extra=extra,
        token=get_token(request),
        hidden=format_html(
            '<input type="hidden" name="next" value="{}">{}',
            next_url,
            mark_safe('<input type="hidden" name="show_context" value="1">') if show_context else "",
        )
        if next_url is not None
        else "",
        button=button,
    )


def followup_row(request, followup, *, show_context=False, next_url="", error="", status="") -> SafeString:
    next_url = next_url or request.get_full_path()
    classes = "followup"
    if followup.is_done:
        classes += " is-done"
    elif followup.is_overdue:
        classes += " is-overdue"

    if followup.is_done:
        meta = format_html(
            "{}{}",
            _("erledigt am %(when)s")
            % {"when": date_format(timezone.localtime(followup.done_at), "SHORT_DATE_FORMAT")},
            format_html(" {}", _("von %(name)s") % {"name": followup.done_by}) if followup.done_by else "",
        )
    else:
        meta = format_html(
            '<time datetime="{}">{}</time>{}',
            followup.due_date.isoformat(),
            _("fällig %(date)s") % {"date": date_format(followup.due_date, "D, j. F Y")},
            format_html(' · <strong class="overdue-label">{}</strong>', _("überfällig")) if followup.is_overdue else "",
        )
    meta = format_html("{} · {}", meta, _("zuständig: %(name)s") % {"name": followup.assignee})
    if show_context:
        if followup.interaction_id and getattr(followup, "user_can_see_interaction", False):
            meta = format_html(
                '{} · <a href="{}">{}</a>',
                meta,
                followup.interaction.get_absolute_url(),
                _("Kontakt %(what)s") % {"what": followup.interaction},
            )
        if followup.activity_id:
            meta = format_html(
                '{} · <a href="{}">{}</a>',
                meta,
                followup.activity.get_absolute_url(),
                _("Termin „%(title)s“") % {"title": followup.activity.title},
            )

    actions = ""
    if getattr(followup, "user_can_change", False):
        if followup.is_done:
            url_name, css, label, text = (
                "interactions:followup_reopen",
                "outline secondary small",
                _("„%(title)s“ wieder öffnen"),
                _("wieder öffnen"),
            )
        else:
            url_name, css, label, text = (
                "interactions:followup_complete",
                "small",
                _("„%(title)s“ als erledigt markieren"),
                _("erledigt"),
            )
        toggle = _form(
            request,
            reverse(url_name, args=[followup.pk]),
            target=f"#followup-{followup.pk}",
            extra=mark_safe(' hx-swap="outerHTML"'),
            next_url=next_url,
            show_context=show_context,
            button=format_html(
                '<button type="submit" class="{}" aria-label="{}">{}</button>',
                css,
                label % {"title": followup.title},
                text,
            ),
        )
        delete = ""
        if getattr(followup, "user_can_delete", False) and not show_context:
            delete = _form(
                request,
                reverse("interactions:followup_delete", args=[followup.pk]),
                target="#followups-section",
                extra=format_html(' hx-confirm="{}"', _("Diese Wiedervorlage wirklich löschen?")),
                next_url=None,
                show_context=False,
                button=format_html(
                    '<input type="hidden" name="section" value="1">'
                    '<button type="submit" class="linklike danger" aria-label="{}">{}</button>',
                    _("„%(title)s“ löschen") % {"title": followup.title},
                    _("löschen"),
                ),
            )
        actions = format_html('<div class="followup-actions">{}{}</div>', toggle, delete)

    return format_html(
        '<li id="followup-{pk}" class="{classes}"><div class="followup-main">'
        '<span class="followup-title">{done_mark}{title}</span>'
        '<small class="followup-meta">{meta}</small>{error}{status}</div>{actions}</li>',
        pk=followup.pk,
        classes=classes,
        done_mark=mark_safe('<span aria-hidden="true">✓ </span>') if followup.is_done else "",
        title=followup.title,
        meta=meta,
        error=format_html('<small class="error" role="alert">{}</small>', error) if error else "",
        status=format_html('<small class="followup-status" role="status">{}</small>', status) if status else "",
        actions=actions,
    )


def followup_rows(request, followups, **options) -> SafeString:
    return format_html_join("", "{}", ((followup_row(request, f, **options),) for f in followups))
