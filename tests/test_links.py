"""Tests for vecguard.links: link extraction and presentation features."""

from __future__ import annotations

import logging
import random
import time

import pytest

from vecguard.links import Link, extract_links


def html_links(html: str, **kw: int) -> tuple[Link, ...]:
    return extract_links(None, html, **kw)


def one(html: str) -> Link:
    links = html_links(html)
    assert len(links) == 1, links
    return links[0]


def newsletter_html(items: int = 18) -> str:
    """A newsletter the way mail tools write them (~30 KB): a <style> block, a hidden preheader, nested
    layout tables, hybrid columns with the font-size:0 gap fix, a logo, headline and inline links,
    one bulletproof button, social icons, a footer and a tracking pixel."""
    head = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Harbor Logistics news</title><style>"
        + "".join(f".c{i}{{padding:{i}px;color:#333;font-family:Arial,sans-serif}}" for i in range(40))
        + "@media only screen and (max-width:600px){.col{width:100%!important}}</style></head>"
        "<body style='margin:0;padding:0;background:#f4f4f4'>"
        "<div style='display:none;max-height:0;overflow:hidden;mso-hide:all'>This month: new routes and rates"
        "&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;</div>"
        "<center><table role='presentation' width='100%' cellpadding='0' cellspacing='0' border='0'><tr>"
        "<td align='center' style='padding:20px 0'>"
        "<table role='presentation' width='600' cellpadding='0' cellspacing='0' style='background:#ffffff'><tr>"
        "<td style='padding:24px' align='left'><a href='https://www.harborlogistics.co.uk/?utm_source=news'>"
        "<img src='https://cdn.harborlogistics.co.uk/logo.png' width='180' height='40' alt='Harbor Logistics'"
        " style='display:block;border:0'></a></td></tr>"
    )
    body = []
    for i in range(items):
        body.append(
            "<tr><td style='padding:0 24px 16px 24px;font-family:Arial,sans-serif;font-size:14px;"
            "line-height:20px;color:#333333'>"
            f"<h2 style='margin:0 0 8px 0;font-size:20px;line-height:26px;color:#111111'>"
            f"<a href='https://news.harborlogistics.co.uk/articles/{i}?utm_campaign=june' "
            f"style='color:#111111;text-decoration:none'>Route update {i}: faster crossings &amp; new depots</a></h2>"
            "<p style='margin:0 0 12px 0'>We have added capacity on the northern corridor and extended our "
            "cut-off times for next-day delivery. Customers using the <a href='https://portal.harborlogistics"
            f".co.uk/bookings?ref={i}' style='color:#0066cc'>booking portal</a> will see the new slots from "
            "Monday. As always, our team is happy to help with any questions about <b>customs paperwork</b>, "
            "pallet sizes or collection windows.</p>"
            "<div style='font-size:0;text-align:center'>"
            "<div class='col' style='display:inline-block;width:100%;max-width:270px;vertical-align:top;"
            "font-size:14px'>"
            f"<a href='https://news.harborlogistics.co.uk/img/{i}'><img src='https://cdn.harborlogistics"
            f".co.uk/{i}.jpg' width='270' alt='Depot {i}' style='display:block;width:100%'></a></div>"
            "<div class='col' style='display:inline-block;width:100%;max-width:270px;vertical-align:top;"
            "font-size:14px'><p style='margin:0'>Read more about the depot, the team and what it means for "
            f"you. <a href='https://news.harborlogistics.co.uk/articles/{i}#more'>Read more</a></p></div>"
            "</div></td></tr>"
        )
    button = (
        "<tr><td align='center' style='padding:16px 24px'><table role='presentation' cellpadding='0' "
        "cellspacing='0' border='0'><tr><td align='center' bgcolor='#0066cc' style='border-radius:4px'>"
        "<a href='https://portal.harborlogistics.co.uk/quote' style='display:inline-block;padding:12px 24px;"
        "font-family:Arial,sans-serif;font-size:16px;color:#ffffff;text-decoration:none;font-weight:bold'>"
        "Get a quote</a></td></tr></table></td></tr>"
    )
    footer = (
        "<tr><td align='center' style='padding:24px;font-family:Arial,sans-serif;font-size:12px;color:#777'>"
        + "".join(
            f"<a href='https://www.{net}.com/harborlogistics' style='display:inline-block;margin:0 4px'>"
            f"<img src='https://cdn.harborlogistics.co.uk/{net}.png' width='24' height='24' alt='{net}'></a>"
            for net in ("facebook", "linkedin", "twitter", "youtube")
        )
        + "<p>Harbor Logistics Ltd, 1 Quay Street, Bristol BS1 4XX. You receive this because you are a customer."
        "<br><a href='https://news.harborlogistics.co.uk/unsubscribe?u=abc123' style='color:#777'>Unsubscribe</a>"
        " | <a href='https://news.harborlogistics.co.uk/preferences?u=abc123' style='color:#777'>Preferences</a>"
        " | <a href='mailto:news@harborlogistics.co.uk'>Contact us</a></p>"
        "<img src='https://t.harborlogistics.co.uk/open.gif?u=abc123' width='1' height='1' alt=''>"
        "</td></tr></table></td></tr></table></center></body></html>"
    )
    return head + "".join(body) + button + footer


# --------------------------------------------------------------------------------- hidden

@pytest.mark.parametrize(
    "html",
    [
        '<div style="display:none"><p><a href="https://evil.example/x">pay</a></p></div>',
        '<div style="font-size:0"><a href="https://evil.example/x">pay</a></div>',
        '<span style="font-size: 0px">x<a href="https://evil.example/x">pay</a></span>',
        '<div style="VISIBILITY : Hidden !important"><a href="https://evil.example/x">pay</a></div>',
        '<div style="visibility:hidden"><table><tr><td><a href="https://evil.example/x">pay</a></td></tr></table></div>',
        '<div style="opacity:0"><a href="https://evil.example/x">pay</a></div>',
        '<div style="max-height:0;overflow:hidden"><a href="https://evil.example/x">pay</a></div>',
        '<div style="height:0px; overflow: hidden"><a href="https://evil.example/x">pay</a></div>',
        '<div style="position:absolute;left:-9999px"><a href="https://evil.example/x">pay</a></div>',
        '<div hidden><a href="https://evil.example/x">pay</a></div>',
        '<a href="https://evil.example/x" style="display: none !important">pay</a>',
        '<a href="https://evil.example/x" style="color:transparent">pay</a>',
        '<a href="https://evil.example/x"></a>',
        '<a href="https://evil.example/x">  &nbsp; &#8203; </a>',
        '<a href="https://evil.example/x"><img src="p.gif" width="1" height="1"></a>',
        '<a href="https://evil.example/x"><img src="p.gif" style="display:none"></a>',
    ],
)
def test_hidden(html: str) -> None:
    link = one(html)
    assert link.hidden
    assert not link.prominent
    assert link.host == "evil.example"


def test_hidden_link_keeps_its_text_as_evidence() -> None:
    assert one('<div style="display:none"><a href="https://e.example/">Secret</a></div>').anchor_text == "Secret"
    assert one('<a href="https://e.example/"><span style="font-size:0">Secret</span></a>').anchor_text == "Secret"


@pytest.mark.parametrize(
    "html",
    [
        '<p>Hello <a href="https://ok.example/">there</a></p>',
        '<div style="display:none">preheader</div><a href="https://ok.example/">there</a>',
        # the hybrid-column gap fix: font-size:0 on the wrapper, a real size on the column
        (
            '<div style="font-size:0"><div style="display:inline-block;font-size:14px">'
            '<a href="https://ok.example/">there</a></div></div>'
        ),
        (
            '<div style="visibility:hidden"><span style="visibility:visible"><a href="https://ok.example/">there</a>'
            "</span></div>"
        ),
        '<div style="height:0"><a href="https://ok.example/">overflowing, still visible</a></div>',
        '<div style="display:none"><div>x</div></div><a href="https://ok.example/">there</a>',
        '<p style="display:none">unclosed p<p>new paragraph <a href="https://ok.example/">there</a>',
        '<table><tr><td style="display:none">x<td><a href="https://ok.example/">there</a></table>',
    ],
)
def test_not_hidden(html: str) -> None:
    assert not one(html).hidden


def test_visible_text_only_in_anchor_text() -> None:
    link = one('<a href="https://ok.example/">Pay <span style="display:none">zzz</span>now</a>')
    assert link.anchor_text == "Pay now"
    assert not link.hidden


# ------------------------------------------------------------------------------ image-only

def test_image_only() -> None:
    link = one('<a href="https://files.example/doc"><img src="cid:btn" alt="View document"></a>')
    assert link.image_only and not link.hidden and link.anchor_text == ""


def test_image_only_nested_in_elements() -> None:
    link = one('<a href="https://files.example/doc"><div><span> <img src="x.png"> </span></div></a>')
    assert link.image_only


def test_image_with_text_is_not_image_only() -> None:
    link = one('<a href="https://files.example/doc"><img src="icon.png"> Open the file</a>')
    assert not link.image_only and link.anchor_text == "Open the file"


def test_area_is_image_only() -> None:
    link = one('<map name="m"><area shape="rect" coords="0,0,9,9" href="https://files.example/a" alt="x"></map>')
    assert link.image_only and link.host == "files.example"


def test_alt_text_shows_host_for_image_only_link() -> None:
    link = one('<a href="https://evil.example/"><img src="b.png" alt="www.dropbox.com"></a>')
    assert link.shown_host == "www.dropbox.com"


# ------------------------------------------------------------------------------ prominent

def test_button_in_bgcolor_cell() -> None:
    link = one(
        '<table><tr><td align="center" bgcolor="#e9703e" style="border-radius:3px">'
        '<a href="https://x.example/pay" style="color:#ffffff;text-decoration:none">Pay invoice</a>'
        "</td></tr></table>"
    )
    assert link.prominent and not link.hidden


def test_button_in_unclosed_bgcolor_cell() -> None:
    assert one('<table><tr><td bgcolor="#00aa00"><a href="https://x.example/pay">Pay</a></table>').prominent


@pytest.mark.parametrize(
    "attrs",
    [
        'style="background-color:#0066cc;color:#fff"',
        'style="padding: 12px 24px"',
        'style="display:inline-block;border:1px solid #0066cc"',
        'style="display:block;border-radius:6px"',
        'style="font-size:18px;font-weight:bold"',
        'style="font-size:28px"',
        'class="btn btn-primary"',
        'role="button"',
    ],
)
def test_prominent_anchor_styles(attrs: str) -> None:
    assert one(f'<p>Hi <a href="https://x.example/a" {attrs}>Open</a></p>').prominent


def test_large_bold_text_inside_link() -> None:
    assert one('<a href="https://x.example/a"><b style="font-size:20px">Open</b></a>').prominent
    assert one('<h1><a href="https://x.example/a">Open</a></h1>').prominent


@pytest.mark.parametrize(
    "html",
    [
        '<p>Please see <a href="https://x.example/a" style="color:#0066cc">the report</a> today.</p>',
        '<p><a href="https://x.example/a"><b>bold at the default size</b></a></p>',
        '<p style="font-size:14px"><a href="https://x.example/a" style="padding:2px">small padding</a></p>',
        '<a href="https://x.example/a" style="display:inline-block;border:0">no border</a>',
        '<a href="https://x.example/a" style="background:#ffffff">white background</a>',
        # a coloured cell full of prose is not a button
        '<table><tr><td bgcolor="#eeeeee">Dear customer, read <a href="https://x.example/a">this</a>.</td></tr></table>',
    ],
)
def test_not_prominent(html: str) -> None:
    assert not one(html).prominent


def test_cell_with_two_links_is_not_a_button() -> None:
    links = html_links(
        '<table><tr><td bgcolor="#333"><a href="https://x.example/a">A</a> <a href="https://x.example/b">B</a>'
        "</td></tr></table>"
    )
    assert [link.prominent for link in links] == [False, False]


# ------------------------------------------------------------------------------ shown_host

def test_shown_host_other_domain() -> None:
    link = one('<a href="https://harb0rlogistics.example.net/login">www.harborlogistics.co.uk</a>')
    assert link.shown_host == "www.harborlogistics.co.uk"
    assert link.host == "harb0rlogistics.example.net"


def test_shown_host_from_url_text() -> None:
    link = one('<a href="https://evil.example/">https://portal.vendor.com/login?x=1</a>')
    assert link.shown_host == "portal.vendor.com"


def test_shown_host_equals_host() -> None:
    link = one('<a href="https://www.harborlogistics.co.uk/">Visit www.HarborLogistics.co.uk.</a>')
    assert link.shown_host == link.host == "www.harborlogistics.co.uk"


@pytest.mark.parametrize(
    "text",
    ["Click here", "View Invoice.pdf", "Invoice.zip", "v1.2 release", "mail jo@vendor.com", "e.g. this", ""],
)
def test_no_shown_host(text: str) -> None:
    html = f'<a href="https://x.example/a">{text}</a>' if text else '<a href="https://x.example/a"><img src=a></a>'
    assert one(html).shown_host is None


def test_shown_host_from_title() -> None:
    assert one('<a href="https://x.example/" title="sharepoint.com">Open</a>').shown_host == "sharepoint.com"


def test_anchor_text_collapsed_and_capped() -> None:
    link = one('<a href="https://x.example/">  Pay\n\n   the   ' + "x" * 500 + "</a>")
    assert link.anchor_text.startswith("Pay the xxx")
    assert len(link.anchor_text) == 200


# ------------------------------------------------------------------------------ schemes, URLs

@pytest.mark.parametrize(
    "href", ["mailto:a@b.example", "tel:+4412345", "cid:img1", "#top", "javascript:alert(1)", "ftp://x.example/",
             "data:text/html,hi", "/relative/path", "www.example.com", ""],
)
def test_non_web_links_skipped(href: str) -> None:
    assert html_links(f'<a href="{href}">x</a>') == ()


def test_url_fields() -> None:
    link = one('<a href=" HTTPS://User@Portal.Vendor.COM:8443/a%20b/c?d=%C3%A9&amp;e=1#frag ">x</a>')
    assert link.url == "HTTPS://User@Portal.Vendor.COM:8443/a%20b/c?d=%C3%A9&e=1#frag".replace("HTTPS", "https")
    assert link.host == "portal.vendor.com"
    assert link.path == "/a b/c?d=é&e=1"
    assert link.source == "html" and link.wrapped_by is None


def test_entity_encoded_and_unquoted_hrefs() -> None:
    links = html_links('<A HREF=https://a.example/x>a</A><a href="https&#58;&#x2F;&#x2F;b.example/">b</a>')
    assert [link.host for link in links] == ["a.example", "b.example"]


def test_backslashes_and_tabs_like_a_browser() -> None:
    assert one('<a href="https:\\\\evil.example\\path">x</a>').host == "evil.example"
    assert one('<a href="ht\ttps://evil.example/">x</a>').host == "evil.example"


def test_base_href() -> None:
    link = one('<base href="https://cdn.example/dir/"><a href="file.html">x</a>')
    assert link.url == "https://cdn.example/dir/file.html"


def test_form_action() -> None:
    link = one('<form action="https://collect.example/post" method="post"><input name="pw"></form>')
    assert link.host == "collect.example" and link.anchor_text == ""


def test_idn_host_decoded() -> None:
    assert one('<a href="https://xn--pple-43d.com/">x</a>').host == "аpple.com"


# ------------------------------------------------------------------------------ unwrapping

def test_safelinks() -> None:
    link = one(
        '<a href="https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.dropbox.com%2Fs%2Fabc%3Fdl%3D0'
        '&amp;data=05%7C01%7C&amp;sdata=xyz&amp;reserved=0">Open</a>'
    )
    assert link.url == "https://www.dropbox.com/s/abc?dl=0"
    assert link.host == "www.dropbox.com"
    assert link.wrapped_by == "safelinks.protection.outlook.com"


def test_safelinks_around_mailto_is_not_a_web_link() -> None:
    assert html_links('<a href="https://nam12.safelinks.protection.outlook.com/?url=mailto%3Aa%40b.c">x</a>') == ()


def test_urldefense_v2() -> None:
    link = one('<a href="https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.com_a-5Fb-3Fc-3D1&d=DwMFaQ'
               '&c=abc&r=def">x</a>')
    assert link.url == "https://www.example.com/a_b?c=1"
    assert link.wrapped_by == "urldefense.proofpoint.com"


def test_urldefense_v3() -> None:
    # The example of Proofpoint's own decoder: "*" stands for a character stored base64url after "__;".
    link = one('<a href="https://urldefense.com/v3/__https://google.com:443/search?q=a*test&amp;gs=ps__;Kw!!'
               '-612Flbf0JvQ3kNJkRi5Jg!Ue6tQudNKaShHg93trcdjqDP8se2ySE65jyCIe2K1D_uNjZ1Lnf6YLQERujngZv9UWf66ujQIQ$">x</a>')
    assert link.url == "https://google.com:443/search?q=a+test&gs=ps"
    assert link.host == "google.com"
    assert link.wrapped_by == "urldefense.com"


def test_urldefense_v3_damaged_token_kept_wrapped() -> None:
    link = one('<a href="https://urldefense.com/v3/__https://a.example/x*y*z__;!!abc$">x</a>')
    assert link.host == "urldefense.com" and link.wrapped_by is None


def test_google_redirect() -> None:
    link = one('<a href="https://www.google.com/url?q=https://files.example/d&amp;sa=D&amp;ust=1">x</a>')
    assert link.url == "https://files.example/d" and link.wrapped_by == "www.google.com"


def test_nested_rewriters() -> None:
    inner = "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_x&d=a"
    from urllib.parse import quote
    link = one(f'<a href="https://nam04.safelinks.protection.outlook.com/?url={quote(inner, safe="")}">x</a>')
    assert link.host == "evil.example" and link.wrapped_by == "safelinks.protection.outlook.com"


def test_mimecast_left_alone() -> None:
    link = one('<a href="https://protect-eu.mimecast.com/s/AbCdEfGh?domain=example.com">x</a>')
    assert link.host == "protect-eu.mimecast.com" and link.wrapped_by is None


def test_unwrapping_in_text() -> None:
    (link,) = extract_links("Open <https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fa.example%2F>",
                            None)
    assert link.host == "a.example" and link.source == "text"


# ------------------------------------------------------------------------------ text part

def test_text_trailing_punctuation_and_brackets() -> None:
    text = (
        "See https://a.example/x. Or (https://b.example/y), maybe https://en.wikipedia.org/wiki/Foo_(bar)! "
        "Then <https://c.example/z> and [https://d.example/w] and www.e.example/v; \"https://f.example/u\" "
        "https://g.example/q?a=1&b=2,"
    )
    urls = [link.url for link in extract_links(text, None)]
    assert urls == [
        "https://a.example/x",
        "https://b.example/y",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "https://c.example/z",
        "https://d.example/w",
        "http://www.e.example/v",
        "https://f.example/u",
        "https://g.example/q?a=1&b=2",
    ]
    assert all(link.source == "text" and link.anchor_text == "" and not link.hidden for link in
               extract_links(text, None))


def test_text_no_false_matches() -> None:
    assert extract_links("awww.nope and https:// and www. and mailto:a@b.example", None) == ()


def test_text_duplicates_collapsed() -> None:
    assert len(extract_links("https://a.example/x and again https://a.example/x", None)) == 1


def test_dedupe_text_against_html() -> None:
    text = "Pay here <https://portal.vendor.example/pay> or www.vendor.example\nother: https://only-text.example/"
    html = ('<a href="https://portal.vendor.example/pay" style="padding:12px;background:#06c">Pay</a>'
            '<a href="https://www.vendor.example/">www.vendor.example</a>')
    links = extract_links(text, html)
    assert [(link.host, link.source) for link in links] == [
        ("portal.vendor.example", "html"),
        ("www.vendor.example", "html"),
        ("only-text.example", "text"),
    ]
    assert links[0].prominent


def test_same_url_twice_in_html_with_different_presentation_kept() -> None:
    html = '<a href="https://a.example/"><img src="l.png"></a> <a href="https://a.example/">A</a>'
    assert [link.image_only for link in html_links(html)] == [True, False]


# ------------------------------------------------------------------------------ robustness, limits

@pytest.mark.parametrize(
    "html",
    [
        "<a href=https://a.example/>unclosed",
        "<div><a href='https://a.example/'>x</div></span></a></a></td>",
        "<A HREF='https://a.example/'>x<A HREF='https://b.example/'>y",
        "<a href='https://a.example/' <b>x</b>",
        "<![foo bar]><a href='https://a.example/'>x</a>",
        "<!--[if mso]><a href='https://vml.example/'>v</a><![endif]--><a href='https://a.example/'>x</a>",
        "<![if !mso]><a href='https://a.example/'>x</a><![endif]>",
        "<table><tr><td><a href='https://a.example/'>x</td><td>y</tr></table></div></div></body></html>",
        "<a href='https://a.example/'>x</a/><img/src='y'><a href='https://a.example/'>",
    ],
)
def test_malformed_html(html: str) -> None:
    links = html_links(html)
    assert links and links[0].host == "a.example"


def test_text_after_the_last_tag_is_anchor_text() -> None:
    assert one("<p><a href=https://a.example/>Click &amp; pay <b").anchor_text == "Click & pay"


def test_cdata_and_conditional_sections() -> None:
    html = ("<![CDATA[ x ]]><![if !mso]><a href='https://a.example/'>a</a><![endif]>"
            "<!--[if mso]><a href='https://vml.example/'>v</a><![endif]-->")
    assert [link.host for link in html_links(html)] == ["a.example"]


def test_absurd_style_values() -> None:
    html = ("<a href='https://a.example/' style='font-weight:" + "9" * 5000 + ";font-size:" + "9" * 5000 + "px'>a</a>"
            "<font size='" + "9" * 5000 + "'><a href='https://b.example/'>b</a></font>")
    assert [link.host for link in html_links(html)] == ["a.example", "b.example"]


@pytest.mark.parametrize("piece", ["<!--", "<![x", "</", "<!x", "<?x", "<a b='"])
def test_unterminated_constructs_stay_linear(piece: str) -> None:
    # Python < 3.11.13's HTMLParser rescans the rest of the input for each of these (CVE-2025-6069):
    # 50,000 unterminated comments took minutes before links.py worked around it.
    html = "href " + piece * 50_000 + "> <a href='https://a.example/'>x</a>"
    started = time.process_time()  # CPU time: other jobs on the machine do not count
    extract_links(None, html)
    assert time.process_time() - started < 5


def test_truncated_tag_is_dropped_like_a_browser_does() -> None:
    assert html_links('<p>x</p><a href="https://a.example/') == ()


def test_nested_anchor_closes_the_first() -> None:
    links = html_links("<a href='https://a.example/'>one<a href='https://b.example/'>two</a>")
    assert [(link.host, link.anchor_text) for link in links] == [("a.example", "one"), ("b.example", "two")]


def test_unclosed_paragraphs_do_not_grow_the_stack() -> None:
    html = "<p>x" * 20000 + "<div style='display:none'>" + "<p>y" * 2000 + "</div><a href='https://a.example/'>x</a>"
    assert not one(html).hidden


def test_stack_depth_is_capped() -> None:
    html = "<div style='display:none'>" + "<span>" * 2000 + "<a href='https://a.example/'>x</a>"
    assert one(html).hidden


def test_deep_nesting_never_raises() -> None:
    html_links("<div>" * 5000 + "<a href='https://a.example/'>x</a>" + "</div>" * 5000)


def test_max_links() -> None:
    html = "".join(f"<a href='https://h{i}.example/'>{i}</a>" for i in range(50))
    text = " ".join(f"https://t{i}.example/" for i in range(50))
    links = extract_links(text, html, max_links=10)
    assert [link.host for link in links] == [f"h{i}.example" for i in range(10)]
    assert len(extract_links(text, html[:200], max_links=10)) == 10
    assert extract_links(text, html, max_links=0) == ()
    assert len(extract_links(text, html)) == 100


def test_html_size_cap() -> None:
    html = "<p>" + "x" * 2_100_000 + "<a href='https://late.example/'>late</a>"
    assert html_links(html) == ()


def test_empty_inputs() -> None:
    assert extract_links(None, None) == ()
    assert extract_links("", "") == ()
    assert extract_links("no links", "<p>no links</p>") == ()


def test_never_raises_on_garbage(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="vecguard.links")
    rng = random.Random(1234)
    sample = newsletter_html(3)
    pieces = ["<a href=", "https://", "<td bgcolor=", "style='", "display:none", "<![", "<!--", "&#", "&", "<",
              ">", "\"", "'", "/", "\\", "]]>", "%", "xn--", "[", "@", ":", "?url=", "safelinks.protection.outlook.com",
              "/v3/__", "__;", "*", "**", "</", "<img", "<area href=", "<form action=", "<base href="]
    for _ in range(150):
        garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(400))).decode("latin-1")
        mixed = "".join(rng.choice(pieces) if rng.random() < 0.5 else rng.choice("ab .=\n") for _ in range(200))
        cut = sample[: rng.randrange(len(sample))]
        for value in (garbage, mixed, cut, cut + garbage):
            for link in extract_links(value, value):
                assert link.url.lower().startswith(("http://", "https://"))
                assert link.host
    # extract_links survives internal errors by logging them; on this input there must be none.
    assert not caplog.records


def test_wrong_types_never_raise() -> None:
    assert extract_links(b"https://a.example/", b"<a href='https://a.example/'>x</a>") == ()  # type: ignore[arg-type]


def test_surrogates_never_raise() -> None:
    extract_links("https://\udcff.example/ www.\ud800x.com", "<a href='https://xn--\udcff.example/'>\udcff</a>")


# ------------------------------------------------------------------------------ realistic sample

def test_newsletter() -> None:
    html = newsletter_html()
    assert 25_000 < len(html) < 40_000
    links = html_links(html)
    assert len(links) == 1 + 18 * 4 + 1 + 4 + 2
    by_path = {link.path: link for link in links}
    assert not any(link.hidden for link in links)
    # the button, and the 20px bold headlines
    assert [link.path for link in links if link.prominent] == [
        f"/articles/{i}?utm_campaign=june" for i in range(18)] + ["/quote"]
    assert by_path["/?utm_source=news"].image_only
    assert by_path["/harborlogistics"].image_only
    assert not by_path["/bookings?ref=0"].prominent and by_path["/bookings?ref=0"].anchor_text == "booking portal"
    assert by_path["/articles/3"].anchor_text == "Read more"
