"""The archive as Jekyll reads it: which files are posts, how their bytes decode, their
front matter made into Posts, their dates."""
