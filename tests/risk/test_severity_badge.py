"""`{% severity_badge %}` writes the badge the alert pages showed through an included
template: red and orange in their colours, yellow light with a yellow border."""

import pytest
from django.template import Context, Template

from risk.templatetags.risk_badges import severity_badge


@pytest.mark.parametrize(
    ("severity", "css"),
    [
        ("red", "text-bg-danger"),
        ("orange", "text-bg-warning"),
        ("yellow", "text-bg-light border border-warning"),
    ],
)
def test_each_severity_has_its_colour(severity, css):
    assert severity_badge(severity, "Label") == f'<span class="badge {css}">Label</span>'


def test_the_label_is_escaped_in_a_template():
    rendered = Template("{% load risk_badges %}{% severity_badge severity label %}").render(
        Context({"severity": "red", "label": "<b>Red</b>"})
    )
    assert rendered == '<span class="badge text-bg-danger">&lt;b&gt;Red&lt;/b&gt;</span>'
