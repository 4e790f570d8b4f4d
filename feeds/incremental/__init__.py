"""What makes a rebuild cost what changed: the cache, the scan of new and changed files,
the folders file, the fingerprints, the entries kept between builds."""
