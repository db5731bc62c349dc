"""What a platform's refusal means, in words an operator can act on.

A public-post source counts a 401, 403, 404 or 410 as ``errors/<platform>_<reason>``;
``pantau status`` prints the explanation next to the count. APIs that answer a refusal with another
status (Meta's 400 with code 190 for an expired token, Bluesky's 400 "Profile not found", the
YouTube Data API's 400 ``keyInvalid`` and 403 ``quotaExceeded``) are read from their error body into
the same reasons. Kept apart from the spiders so the
status command can read it without loading Scrapy.
"""

from __future__ import annotations

REASONS = {
    401: ("token_rejected", "the platform asks for a token, or the token is expired or revoked"),
    403: ("permission_denied", "the platform refuses access (private, restricted or region-locked)"),
    404: ("gone", "the channel, account or feed does not exist (deleted or renamed)"),
    410: ("gone", "the channel, account or feed was deleted or suspended"),
}
_WORDS = {reason: words for reason, words in REASONS.values()}
_WORDS["gone"] = "the channel, account or feed was deleted, suspended or renamed"
_WORDS["rate_limited"] = "the platform's rate limit is spent; the next crawl asks again"
_WORDS["invalid_request"] = "the platform refused the request as invalid (a wrong account id, page id or field)"
_WORDS["bad_request"] = _WORDS["invalid_request"]


def explain(error_reason: str) -> str:
    """The words for a counted reason such as ``mastodon_token_rejected``; empty for other reasons."""
    for reason, words in _WORDS.items():
        if error_reason.endswith("_" + reason):
            return words
    return ""
