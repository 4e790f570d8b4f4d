"""Writing what subscribers fetch: the build lock, the published state, the drop guard,
and the feed files written and removed."""
