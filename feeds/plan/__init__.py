"""Which entries each feed holds: grouping, limits, duplicate folding, slugs and titles,
made into planned feeds (model.PlannedFeed) that the formats render."""
