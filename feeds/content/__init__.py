"""One post to one safe entry: Markdown rendered, the body cleaned and sanitized, its
summary and attribution."""
