"""The environment variables that hold credentials under fixed names.

The CLI masks their values in everything it prints, and the build searches
every output for them (`privacy.secret_problems`); a webhook's variables are
named in site.toml, and publish masks those too.
"""

from __future__ import annotations

SECRET_VARIABLES = (
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
    "MASTODON_ACCESS_TOKEN",
    "BLUESKY_APP_PASSWORD",
    "SMTP_PASSWORD",
)
