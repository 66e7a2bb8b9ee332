"""The Link record: one http(s) link of a message body and how it is presented (:mod:`vecguard.links`)."""

from __future__ import annotations

from dataclasses import dataclass

#: Anchor text kept on a :class:`Link`.
MAX_ANCHOR_CHARS = 200


@dataclass(frozen=True, slots=True)
class Link:
    """One http(s) link of a message body and how it is presented.

    ``prominent`` marks a button-like link. It holds when the link is not hidden and any of these is true:

    - the ``<a>`` has a background (``background``/``background-color`` style or ``bgcolor``) that is not
      none, transparent or white;
    - the ``<a>`` has a padding of at least 8px on some side;
    - the ``<a>`` is ``display: block|inline-block|table`` and has a border or a border radius;
    - the ``<a>``'s ``class`` or ``role`` contains "button" or "btn";
    - its nearest table cell has a non-white background (``bgcolor`` or style) or a button class, and the
      link is the only link in that cell with no other visible text beside it (the classic bulletproof
      button; a coloured cell full of prose and inline links does not count);
    - its visible text is bold at an explicitly set size of at least 16px, or at least 24px whatever the
      weight (explicit means a CSS ``font-size``, ``<font size>`` or ``<h1>``-``<h3>``: a bold link in
      default 16px body text is not a button).

    ``hidden`` holds when the link's box is not rendered (``display: none``, ``visibility: hidden``,
    ``opacity`` near 0, zero ``width``/``height``/``max-height`` with ``overflow: hidden``, far
    off-screen positioning or ``text-indent``, the ``hidden`` attribute, all inherited from ancestors), or
    when it shows no visible text and no visible image (text hidden by ``font-size`` below 2px or a
    transparent colour does not count as visible; an image of at most 1px is a tracking pixel, not a
    visible image). A hidden link is never prominent.

    Besides ``<a href>``, an ``<area href>`` is reported as an image-only link, and a ``<form action>`` as a
    link without text: a form in a mail body submits to somewhere, which matters as much as a link.
    """

    url: str
    host: str
    path: str
    anchor_text: str
    shown_host: str | None
    image_only: bool
    hidden: bool
    prominent: bool
    source: str
    wrapped_by: str | None
