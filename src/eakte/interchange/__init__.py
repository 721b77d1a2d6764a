"""xdomea interchange: hand records over to other authorities and to the archive, and take
theirs in (``model`` is the package in memory; export, writer, reader and importer convert)."""
